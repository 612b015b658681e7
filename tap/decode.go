package tap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/client"
	"sockscope/reflection"
	"sockscope/session"
)

// lookupTimeout bounds finding one method's schema. The connection's
// parser waits for it while its bytes queue up, so it is kept short; a
// method not found in time is shown raw.
const lookupTimeout = 5 * time.Second

// schemaFor is a method's descriptor and the resolver for its Any fields,
// or why there is none.
type schemaFor struct {
	md       protoreflect.MethodDescriptor
	resolver client.TypeResolver
	err      error
}

// decoder finds the schema of the methods the tap sees: the upstream's own
// (reflection asked on the tap's own connection, or the schema chosen for
// it), the schema files the user gave, then any schema, built-in or the
// user's, that defines the method's service. It remembers every answer,
// failures too, so each method costs one look-up.
type decoder struct {
	upstream session.Config
	ctx      context.Context

	openOnce sync.Once
	opened   chan struct{}
	grpcSess *session.Session // nil when the upstream could not be opened
	openErr  error

	mu       sync.Mutex
	methods  map[string]*methodLookup
	sessions map[string]*sessionLookup // files-only sessions, by schema name ("" is the user's files)
}

type methodLookup struct {
	done chan struct{}
	schemaFor
}

type sessionLookup struct {
	done chan struct{}
	sess *session.Session
	err  error
}

func newDecoder(ctx context.Context, upstream session.Config) *decoder {
	return &decoder{upstream: upstream, ctx: ctx, opened: make(chan struct{}),
		methods: map[string]*methodLookup{}, sessions: map[string]*sessionLookup{}}
}

// openUpstream opens the gRPC session on the upstream, once, in the
// background: the tap forwards from the start and decodes once it can.
func (d *decoder) openUpstream() {
	d.openOnce.Do(func() {
		d.mu.Lock()
		cfg := d.upstream
		d.mu.Unlock()
		go func() {
			defer close(d.opened)
			d.grpcSess, d.openErr = session.Open(d.ctx, cfg)
		}()
	})
}

// retarget names the upstream's address anew, for a session not opened
// yet: once interpose mode put the server's socket back at its path, the
// renamed path is gone.
func (d *decoder) retarget(address string) {
	d.mu.Lock()
	d.upstream.Address = address
	d.mu.Unlock()
}

// close ends every session the decoder opened, once no look-up runs.
func (d *decoder) close() {
	d.openOnce.Do(func() { close(d.opened) })
	<-d.opened
	if d.grpcSess != nil {
		d.grpcSess.Close()
	}
	d.mu.Lock()
	lookups := make([]*sessionLookup, 0, len(d.sessions))
	for _, l := range d.sessions {
		lookups = append(lookups, l)
	}
	d.mu.Unlock()
	for _, l := range lookups {
		<-l.done
		if l.sess != nil {
			l.sess.Close()
		}
	}
}

// method finds pkg.Service/Method for a call in protocol. Concurrent
// look-ups of one method wait for the first.
func (d *decoder) method(protocol, name string) schemaFor {
	key := protocol + " " + name
	d.mu.Lock()
	l, ok := d.methods[key]
	if !ok {
		l = &methodLookup{done: make(chan struct{})}
		d.methods[key] = l
	}
	d.mu.Unlock()
	if ok {
		<-l.done
		return l.schemaFor
	}
	defer close(l.done)
	ctx, cancel := context.WithTimeout(d.ctx, lookupTimeout)
	defer cancel()
	l.schemaFor = d.find(ctx, protocol, name)
	return l.schemaFor
}

func (d *decoder) find(ctx context.Context, protocol, name string) schemaFor {
	var errs []error
	if protocol == ProtocolGRPC {
		// A ttrpc server cannot answer gRPC: it is never asked.
		d.openUpstream()
		select {
		case <-d.opened:
		case <-ctx.Done():
			return schemaFor{err: fmt.Errorf("the upstream's schema: %w", ctx.Err())}
		}
		if d.grpcSess != nil {
			md, err := d.grpcSess.FindMethod(ctx, name)
			if err == nil {
				return schemaFor{md: md, resolver: d.grpcSess.Resolver()}
			}
			errs = append(errs, err)
		} else if d.openErr != nil {
			errs = append(errs, d.openErr)
		}
	} else if d.hasUserSchema() {
		if found := d.findIn(ctx, "", name, &errs); found.md != nil {
			return found
		}
	}
	service, _, _ := strings.Cut(name, "/")
	all, _ := reflection.Schemas()
	for _, s := range all {
		if slices.Contains(s.Services(), service) {
			if found := d.findIn(ctx, s.Name, name, &errs); found.md != nil {
				return found
			}
		}
	}
	if len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s is in no schema the tap has: %w", service, reflection.ErrNotFound))
	}
	return schemaFor{err: errors.Join(errs...)}
}

func (d *decoder) hasUserSchema() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.upstream.Schema
	return len(s.ProtoFiles) > 0 || len(s.Protosets) > 0 || s.Schema != ""
}

// findIn looks name up in a files-only session: the user's schema files
// (schema "") or the named schema.
func (d *decoder) findIn(ctx context.Context, schema, name string, errs *[]error) schemaFor {
	sess, err := d.filesSession(ctx, schema)
	if err == nil {
		var md protoreflect.MethodDescriptor
		if md, err = sess.FindMethod(ctx, name); err == nil {
			return schemaFor{md: md, resolver: sess.Resolver()}
		}
	}
	*errs = append(*errs, err)
	return schemaFor{}
}

func (d *decoder) filesSession(ctx context.Context, schema string) (*session.Session, error) {
	d.mu.Lock()
	l, ok := d.sessions[schema]
	if !ok {
		l = &sessionLookup{done: make(chan struct{})}
		d.sessions[schema] = l
	}
	d.mu.Unlock()
	if ok {
		<-l.done
		return l.sess, l.err
	}
	defer close(l.done)
	cfg := session.Config{Schema: reflection.Options{Schema: schema}}
	if schema == "" {
		d.mu.Lock()
		cfg.Schema = d.upstream.Schema
		d.mu.Unlock()
	}
	l.sess, l.err = session.Open(ctx, cfg)
	return l.sess, l.err
}

// decodeJSON decodes body as a message of type desc and renders it as one
// line of JSON.
func decodeJSON(desc protoreflect.MessageDescriptor, resolver client.TypeResolver, body []byte) ([]byte, error) {
	m := dynamicpb.NewMessage(desc)
	if err := (proto.UnmarshalOptions{AllowPartial: true, Resolver: resolver}).Unmarshal(body, m); err != nil {
		return nil, fmt.Errorf("not a %s: %w", desc.FullName(), err)
	}
	format := client.ReplyFormat{Resolver: resolver}
	b, err := format.Marshal(m)
	if err != nil {
		return nil, err
	}
	return slices.Clone(b), nil
}
