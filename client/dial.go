package client

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// TLSConfigError is TLS options that cannot be used: a file that cannot be
// read or holds no certificate, a certificate without its key. It is the
// user's to fix, not the server's.
type TLSConfigError struct{ Err error }

func (e *TLSConfigError) Error() string { return e.Err.Error() }
func (e *TLSConfigError) Unwrap() error { return e.Err }

// DialOptions tunes Dial. The zero value gives the defaults.
type DialOptions struct {
	ConnectTimeout time.Duration // DefaultConnectTimeout when zero
	MaxRecvMsgSize int           // DefaultMaxMsgSize when zero
	// Authority is sent as :authority; empty means "localhost" for unix
	// sockets and host:port for TCP.
	Authority string
	// TLS dials with TLS; nil dials in plaintext, for unix sockets and TCP
	// alike.
	TLS *TLSOptions
	// Watch, when set, learns how the connection's handshakes go (see
	// HandshakeWatch); Dial fills it in.
	Watch *HandshakeWatch
}

// The defaults of connecting and receiving, for DialOptions and for the
// flags and options that set the same limits elsewhere.
const (
	// DefaultConnectTimeout bounds one connect.
	DefaultConnectTimeout = 3 * time.Second
	// DefaultMaxMsgSize is the largest reply message accepted, in bytes.
	DefaultMaxMsgSize = 64 << 20
)

// Dial checks the target can be reached and returns a client conn. Unix sockets are dialed with :authority
// "localhost" (grpc.WithAuthority) because some servers reset streams whose authority holds a path.
//
// The reachability check is one real connect made before the gRPC client
// exists, because gRPC itself only reports failures later and in generic
// terms. A failed connect is returned as a *ConnectError, classified as one
// of its sentinels where one fits. A server whose accept backlog is full
// makes TCP connects hang (bounded by ConnectTimeout: ErrConnectTimeout) and
// Linux unix-socket connects fail at once (ErrBusy). A listener that accepts
// but never speaks HTTP/2 passes this check; the RPC then fails with a gRPC
// status.
func Dial(ctx context.Context, t Target, opts DialOptions) (*grpc.ClientConn, error) {
	if t.Network != "unix" && t.Network != "tcp" {
		return nil, fmt.Errorf("dial %s: unsupported network %q", t, t.Network)
	}
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	maxRecv := opts.MaxRecvMsgSize
	if maxRecv <= 0 {
		maxRecv = DefaultMaxMsgSize
	}
	dialer := &net.Dialer{Timeout: timeout}
	watch := opts.Watch
	if watch == nil {
		watch = &HandshakeWatch{}
	}
	watch.target, watch.tls = t, opts.TLS
	creds := insecure.NewCredentials()
	if opts.TLS != nil {
		cfg, err := opts.TLS.Config(t, opts.Authority)
		if err != nil {
			return nil, &TLSConfigError{Err: err}
		}
		watch.tlsConfig = cfg
		creds = watchedCredentials{TransportCredentials: credentials.NewTLS(cfg), w: watch}
	}

	first, err := connectOnce(ctx, dialer, t)
	if err != nil {
		return nil, err
	}
	// The checking connection is the one gRPC's first dial gets: a second
	// connect would cost time, and an empty connection shows up in some
	// daemons' logs as an error.
	var handOver sync.Mutex
	grpcOpts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			handOver.Lock()
			c := first
			first = nil
			handOver.Unlock()
			if c == nil {
				var err error
				if c, err = dialer.DialContext(ctx, t.Network, t.Address); err != nil {
					return nil, err
				}
			}
			if opts.TLS != nil {
				return c, nil // the credentials watch the TLS connection
			}
			return &watchedConn{Conn: c, w: watch}, nil
		}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecv)),
	}
	// The passthrough endpoint only names the authority: the context dialer
	// ignores it. Socket paths may hold characters a target URL cannot, so unix
	// targets use a fixed, harmless name.
	endpoint := t.Address
	authority := opts.Authority
	if t.Network == "unix" {
		endpoint = "localhost"
		if authority == "" {
			authority = "localhost"
		}
	}
	if authority != "" {
		grpcOpts = append(grpcOpts, grpc.WithAuthority(authority))
	}
	conn, err := grpc.NewClient("passthrough:///"+endpoint, grpcOpts...)
	if err != nil {
		first.Close()
		return nil, fmt.Errorf("dial %s: %w", t, err)
	}
	// Start the HTTP/2 handshake now, so it overlaps whatever the caller
	// prepares before its first RPC instead of delaying that RPC.
	conn.Connect()
	return conn, nil
}

// connectOnce makes the first connection, classifying why it failed.
func connectOnce(ctx context.Context, dialer *net.Dialer, t Target) (net.Conn, error) {
	limit := dialer.Timeout
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < limit {
		limit = time.Until(deadline).Round(time.Millisecond)
	}
	conn, err := dialer.DialContext(ctx, t.Network, t.Address)
	if err != nil {
		return nil, ClassifyConnectError(ctx, t, limit, err)
	}
	return conn, nil
}
