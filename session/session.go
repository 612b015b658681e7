// Package session opens an address for every frontend: it dials (in
// plaintext or TLS), binds the schema sources (server reflection, files,
// built-in daemon schemas) with the user's headers, bounds each schema
// look-up, explains failures in one wording (missing credentials, a peer
// that is not gRPC, a silent listener, a server gone mid-call, TLS on one
// side only or a certificate that does not verify, no reflection) and says
// where the schema came from and what the server does not serve. Scripted mode, the TUI
// and every later feature open addresses only through it.
package session

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/reflection"
)

// DefaultSchemaTimeout bounds each schema look-up when the caller's context
// ends no sooner: a server that accepts and then stays silent would
// otherwise hold a look-up forever.
const DefaultSchemaTimeout = 15 * time.Second

// PeerProbeTimeout bounds asking a socket what it speaks after gRPC failed
// on it.
const PeerProbeTimeout = time.Second

// Config is what opening an address needs. The zero value of each field
// gives its default.
type Config struct {
	// Address is an ADDRESS as client.ParseAddress takes it; empty opens
	// the schema files alone, with no connection.
	Address string
	// Schema names the schema files and the forced built-in schema; Open
	// fills in the socket path and the reflection header.
	Schema reflection.Options
	// ConnectTimeout bounds the connect (client.DefaultConnectTimeout when zero).
	ConnectTimeout time.Duration
	// Authority is sent as :authority; empty means the dialer's default.
	Authority string
	// TLS dials with TLS (--tls, --cacert, --cert, --key, --servername,
	// --insecure); nil dials in plaintext, unix sockets and TCP alike.
	// Frontends copy it into command lines with its Flags and GrpcurlFlags.
	TLS *client.TLSOptions
	// ReflectionHeader goes with reflection requests and the probes that
	// recognise a daemon without reflection.
	ReflectionHeader metadata.MD
	// SchemaTimeout bounds each schema look-up (DefaultSchemaTimeout when zero).
	SchemaTimeout time.Duration
	// MaxTime is the whole-operation limit the user set (--max-time), named
	// in the message when a look-up runs into it; zero when none was set.
	MaxTime time.Duration
}

// Timing is how long one stage of opening or looking up took, for -v.
type Timing struct {
	Stage string
	Took  time.Duration
}

// Session is an opened address: a connection (nil when the schema comes
// from files alone) and the schema source bound to it. Its methods are safe
// for concurrent use, except Timings, which the opener reads.
type Session struct {
	cfg      Config
	target   client.Target
	conn     *grpc.ClientConn
	source   *reflection.Source
	resolver client.TypeResolver
	watch    *client.HandshakeWatch
	ready    atomic.Bool // the connection finished gRPC's HTTP/2 handshake once
	timings  []Timing
}

// Open parses and dials cfg.Address (when set) and opens the schema sources.
// ctx bounds the connect, the HTTP/2 handshake (which must also finish
// within the connect timeout) and the loading of schema files; each
// look-up takes its own. Errors are explained (see Hints) and wrap the dialer's
// sentinels; a bad address or schema flag is a *UsageError.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.SchemaTimeout <= 0 {
		cfg.SchemaTimeout = DefaultSchemaTimeout
	}
	s := &Session{cfg: cfg, watch: &client.HandshakeWatch{}}
	schemaOpts := cfg.Schema
	schemaOpts.Header = metadata.Join(schemaOpts.Header, cfg.ReflectionHeader)
	var dialStart time.Time
	if cfg.Address != "" {
		target, err := client.ParseAddress(cfg.Address)
		if err != nil {
			return nil, &UsageError{Err: err}
		}
		s.target = target
		if target.Network == "unix" {
			schemaOpts.SocketPath = target.Address
		}
		dialStart = time.Now()
		s.conn, err = client.Dial(ctx, target, client.DialOptions{ConnectTimeout: cfg.ConnectTimeout, Authority: cfg.Authority, TLS: cfg.TLS, Watch: s.watch})
		s.measure("dial", dialStart)
		var tlsConfig *client.TLSConfigError
		switch {
		case errors.As(err, &tlsConfig):
			return nil, &UsageError{Err: err}
		case errors.Is(err, context.DeadlineExceeded) && cfg.MaxTime > 0:
			return nil, fmt.Errorf("not connected within --max-time %s: %w", cfg.MaxTime, err)
		case err != nil:
			return nil, err
		}
	}
	var conn grpc.ClientConnInterface
	if s.conn != nil {
		conn = s.conn
	}
	// Schema files compile while the HTTP/2 handshake, started by Dial, runs.
	filesStart := time.Now()
	src, err := reflection.Open(ctx, conn, schemaOpts)
	if len(schemaOpts.ProtoFiles)+len(schemaOpts.Protosets) > 0 {
		s.measure("files", filesStart)
	}
	if err != nil {
		if s.conn != nil {
			s.conn.Close()
		}
		return nil, &UsageError{Err: err}
	}
	if s.conn != nil {
		if err := s.awaitHandshake(ctx, dialStart); err != nil {
			src.Close()
			s.conn.Close()
			return nil, err
		}
	}
	s.source = src
	s.resolver = client.WithGlobalFallback(src.TypeResolver())
	return s, nil
}

// UsageError is a failure caused by what the user asked for (an address
// that cannot be parsed, a schema file that does not compile), not by the
// server.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Address is the address as the user gave it.
func (s *Session) Address() string { return s.cfg.Address }

// Target is the parsed address; the zero Target without one.
func (s *Session) Target() client.Target { return s.target }

// Conn is the connection, nil when the schema comes from files alone.
func (s *Session) Conn() *grpc.ClientConn { return s.conn }

// Source is the schema source bound to the connection.
func (s *Session) Source() *reflection.Source { return s.source }

// Resolver resolves message types for Any fields and error details: the
// schema's first, then protobuf-go's own registry.
func (s *Session) Resolver() client.TypeResolver { return s.resolver }

// LeftOut names the services the last listing left out because the
// server's reflection for them is malformed beyond repair.
func (s *Session) LeftOut() []error { return s.source.LeftOut() }

// NotServed names the services of the schema in use that the server does
// not serve, each with why (see reflection.Source.NotServed); listings
// leave them out unless Config.Schema.ShowUnserved, when a frontend should
// mark them.
func (s *Session) NotServed() map[string]string { return s.source.NotServed() }

// NoteAnswer tells the session how the server answered a call to method,
// so that a service it answers UNIMPLEMENTED "unknown service" is marked
// not served from then on (see NotServed).
func (s *Session) NoteAnswer(method protoreflect.MethodDescriptor, st *status.Status) {
	s.source.NoteAnswer(method, st)
}

// Timings are the stages measured so far, in order.
func (s *Session) Timings() []Timing { return s.timings }

// Close ends the reflection stream and the connection.
func (s *Session) Close() {
	s.source.Close()
	if s.conn != nil {
		s.conn.Close()
	}
}

func (s *Session) measure(stage string, start time.Time) {
	s.timings = append(s.timings, Timing{stage, time.Since(start)})
}

// Methods lists every method the schema offers, sorted by name.
func (s *Session) Methods(ctx context.Context) ([]protoreflect.MethodDescriptor, error) {
	return lookup(s, ctx, "schema", s.source.Methods)
}

// Services lists every service the schema offers, sorted by name.
func (s *Session) Services(ctx context.Context) ([]protoreflect.ServiceDescriptor, error) {
	return lookup(s, ctx, "schema", s.source.Services)
}

// FindMethod resolves pkg.Service/Method (or pkg.Service.Method).
func (s *Session) FindMethod(ctx context.Context, name string) (protoreflect.MethodDescriptor, error) {
	return lookup(s, ctx, "schema", func(ctx context.Context) (protoreflect.MethodDescriptor, error) {
		return s.source.FindMethod(ctx, name)
	})
}

// FindSymbol resolves a service, method, message or enum by name.
func (s *Session) FindSymbol(ctx context.Context, name string) (protoreflect.Descriptor, error) {
	return lookup(s, ctx, "schema", func(ctx context.Context) (protoreflect.Descriptor, error) {
		return s.source.FindSymbol(ctx, name)
	})
}

// lookup runs one schema look-up under the schema deadline and explains
// how it failed.
func lookup[T any](s *Session, ctx context.Context, stage string, find func(context.Context) (T, error)) (T, error) {
	lookupCtx, cancel := context.WithTimeout(ctx, s.cfg.SchemaTimeout)
	defer cancel()
	start := time.Now()
	v, err := find(lookupCtx)
	s.measure(stage, start)
	if err != nil {
		return v, s.explainLookup(ctx, lookupCtx, err)
	}
	return v, nil
}

// explainLookup turns a look-up that was cut off into what happened, and
// adds the hints the failure calls for.
func (s *Session) explainLookup(ctx, lookupCtx context.Context, err error) error {
	if lookupCtx.Err() != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded) && s.cfg.MaxTime > 0:
			err = fmt.Errorf("%s gave no schema within --max-time %s: %w", s.describeAddress(), s.cfg.MaxTime, err)
		case ctx.Err() != nil:
			return err // interrupted or cancelled: nothing to explain
		default:
			err = fmt.Errorf("%s gave no schema within %s: the connection is up but reflection does not answer (sockscope --scan tells what it speaks): %w",
				s.describeAddress(), s.cfg.SchemaTimeout, err)
		}
	}
	return s.explain(err, true)
}

func (s *Session) describeAddress() string {
	if s.cfg.Address == "" {
		return "the schema files"
	}
	return s.cfg.Address
}
