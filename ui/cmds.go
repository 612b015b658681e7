package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/reflection"
	"sockscope/sockets"
)

// schemaLookupTimeout bounds listing a server's methods through reflection.
const schemaLookupTimeout = 15 * time.Second

// connection is one dialed socket and the schema source bound to it.
type connection struct {
	address  string
	conn     *grpc.ClientConn
	source   *reflection.Source
	resolver client.TypeResolver
	cancel   context.CancelFunc
}

func (c *connection) close() {
	if c == nil {
		return
	}
	c.source.Close()
	c.conn.Close()
	c.cancel()
}

// connectOptions is what connectCmd needs, copied out of the model.
type connectOptions struct {
	connectTimeout time.Duration
	maxMsgSize     int
	schema         reflection.Options
	headers        metadata.MD // for reflection requests
	authority      string
}

// connectCmd dials address and lists its methods. ctx is cancelled by esc.
func connectCmd(ctx context.Context, connID int, address string, opts connectOptions) tea.Cmd {
	return func() tea.Msg {
		c, methods, err := connect(ctx, address, opts)
		if err != nil {
			return connectedMsg{connID: connID, err: err}
		}
		schema, why := c.source.Schema()
		if origin := c.source.SchemaOrigin(); origin != "" && origin != reflection.OriginBuiltIn {
			why += "; from " + origin
		}
		return connectedMsg{connID: connID, conn: c, methods: methods, reflection: c.source.Reflection(), schema: schema, schemaWhy: why, leftOut: c.source.LeftOut()}
	}
}

func connect(ctx context.Context, address string, opts connectOptions) (*connection, []protoreflect.MethodDescriptor, error) {
	target, err := client.ParseAddress(address)
	if err != nil {
		return nil, nil, err
	}
	conn, err := client.Dial(ctx, target, client.DialOptions{ConnectTimeout: opts.connectTimeout, Authority: opts.authority})
	if err != nil {
		return nil, nil, err
	}
	// The reflection stream lives as long as srcCtx, i.e. as long as the connection.
	srcCtx, cancel := context.WithCancel(context.Background())
	if len(opts.headers) > 0 {
		srcCtx = metadata.NewOutgoingContext(srcCtx, opts.headers)
	}
	stop := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(schemaLookupTimeout, cancel)
	schemaOpts := opts.schema
	if target.Network == "unix" {
		schemaOpts.SocketPath = target.Address
	}
	src, err := reflection.Open(srcCtx, conn, schemaOpts)
	if err != nil {
		cancel()
		conn.Close()
		return nil, nil, err
	}
	c := &connection{address: address, conn: conn, source: src, cancel: cancel,
		resolver: client.WithGlobalFallback(src.TypeResolver())}
	methods, err := src.Methods(srcCtx)
	timer.Stop()
	stop()
	if err != nil {
		// Whether the look-up timed out is read before closing, which ends srcCtx too.
		timedOut := srcCtx.Err() != nil && ctx.Err() == nil
		c.close()
		if timedOut {
			return nil, nil, fmt.Errorf("listing methods of %s: no answer within %s", address, schemaLookupTimeout)
		}
		if code := status.Code(err); code == codes.Unauthenticated || code == codes.PermissionDenied {
			return nil, nil, fmt.Errorf("%w (the server wants credentials: start sockscope with -H 'key: value', or -H @file for one header a line)", err)
		}
		if status.Code(err) == codes.Unavailable {
			if hint := sockets.ExplainNotGRPC(ctx, target, peerProbeTimeout); hint != "" {
				return nil, nil, fmt.Errorf("%w (%s)", err, hint)
			}
		}
		return nil, nil, err
	}
	return c, methods, nil
}

// peerProbeTimeout bounds asking a socket what it speaks after gRPC failed on it.
const peerProbeTimeout = time.Second

// healthTimeout bounds asking a server how its services are doing: the
// answer decorates the services tree and is never waited for.
const healthTimeout = 2 * time.Second

// healthCmd asks the server's health service how each of services is
// doing, with the calls' start-up metadata (a health server behind an
// authenticating interceptor wants credentials too). A server without one
// (Unimplemented for the server as a whole) is asked nothing more; closing
// the connection ends the checks.
func healthCmd(connID int, c *connection, services []string, header metadata.MD) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
		defer cancel()
		if len(header) > 0 {
			ctx = metadata.NewOutgoingContext(ctx, header)
		}
		if _, err := client.Health(ctx, c.conn, ""); err != nil && status.Code(err) != codes.NotFound {
			return healthMsg{connID: connID}
		}
		statuses, _, _ := client.ServicesHealth(ctx, c.conn, services)
		return healthMsg{connID: connID, statuses: statuses}
	}
}

func closeConnectionCmd(c *connection) tea.Cmd {
	return func() tea.Msg {
		c.close()
		return nil
	}
}

// callSpec is everything one call needs, copied out of the model by value.
type callSpec struct {
	callID   int
	conn     grpc.ClientConnInterface
	method   protoreflect.MethodDescriptor
	header   metadata.MD
	resolver client.TypeResolver
	maxMsg   int
	// first is the message sent at once; more arrive on sends until it is closed
	// (client and bidi streams only; nil otherwise).
	first proto.Message
	sends <-chan proto.Message
}

// startCallCmd runs the call on its own goroutine and returns its first events;
// Update re-arms waitCallEventsCmd until an event says done.
func startCallCmd(ctx context.Context, spec callSpec) tea.Cmd {
	events := make(chan callEvent, 256)
	return func() tea.Msg {
		go runCall(ctx, spec, events)
		return waitCallEvents(spec.callID, events)
	}
}

func waitCallEventsCmd(callID int, ch <-chan callEvent) tea.Cmd {
	return func() tea.Msg { return waitCallEvents(callID, ch) }
}

// maxBatch bounds how many events one message carries, so the screen still
// refreshes during a flood.
const maxBatch = 2000

func waitCallEvents(callID int, ch <-chan callEvent) tea.Msg {
	first, ok := <-ch
	if !ok {
		return callEventsMsg{callID: callID}
	}
	batch := []callEvent{first}
	for len(batch) < maxBatch && !first.done {
		select {
		case ev, ok := <-ch:
			if !ok {
				return callEventsMsg{callID: callID, events: batch, ch: ch}
			}
			batch = append(batch, ev)
			if ev.done {
				return callEventsMsg{callID: callID, events: batch, ch: ch}
			}
		default:
			return callEventsMsg{callID: callID, events: batch, ch: ch}
		}
	}
	return callEventsMsg{callID: callID, events: batch, ch: ch}
}

func runCall(ctx context.Context, spec callSpec, events chan<- callEvent) {
	start := time.Now()
	streaming := spec.method.IsStreamingServer() || spec.method.IsStreamingClient()
	format := &client.ReplyFormat{Indent: !streaming, Resolver: spec.resolver}
	sentFirst := false
	next := func() (proto.Message, error) {
		if !sentFirst {
			sentFirst = true
			return spec.first, nil
		}
		if spec.sends == nil {
			return nil, io.EOF
		}
		select {
		case m, ok := <-spec.sends:
			if !ok {
				return nil, io.EOF
			}
			return m, nil
		case <-ctx.Done():
			return nil, io.EOF
		}
	}
	result, err := client.Invoke(ctx, spec.conn, spec.method, spec.header, next, client.Handler{
		OnHeader: func(md metadata.MD) {
			select {
			case events <- callEvent{header: md}:
			case <-ctx.Done():
			}
		},
		OnResponse: func(m proto.Message) error {
			b, err := format.Marshal(m)
			if err != nil {
				return err
			}
			select {
			case events <- callEvent{reply: &reply{at: time.Now(), text: string(b)}}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	}, grpc.MaxCallRecvMsgSize(spec.maxMsg))
	done := callEvent{done: true, result: result, err: err, elapsed: time.Since(start)}
	if err == nil && result.Status != nil && result.Status.Code() != codes.OK {
		if b, jerr := client.StatusJSON(result.Status, spec.resolver); jerr == nil {
			done.status = string(b)
		}
	}
	// The final event must arrive even when the call was cancelled, so the pane
	// leaves its running state; the buffer has room unless the UI stopped reading.
	events <- done
	close(events)
}

// openEditorCmd writes text to a private temp file, runs the user's editor on
// it and reads it back; the file is removed whatever happens.
func openEditorCmd(method, text string) tea.Cmd {
	f, err := os.CreateTemp("", "sockscope-*.json")
	if err != nil {
		return func() tea.Msg { return editorClosedMsg{method: method, text: text, err: err} }
	}
	path := f.Name()
	_, werr := f.WriteString(text)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(path)
		return func() tea.Msg { return editorClosedMsg{method: method, text: text, err: err} }
	}
	editor := os.Getenv("EDITOR")
	if editor == "" {
		editor = os.Getenv("VISUAL")
	}
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "sh", path)
	return tea.ExecProcess(cmd, func(runErr error) tea.Msg {
		defer os.Remove(path)
		if runErr != nil {
			return editorClosedMsg{method: method, text: text, err: fmt.Errorf("%s: %w", editor, runErr)}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return editorClosedMsg{method: method, text: text, err: err}
		}
		return editorClosedMsg{method: method, text: string(b)}
	})
}

func startSampleCmd(start func() (string, error)) tea.Cmd {
	return func() tea.Msg {
		addr, err := start()
		return sampleStartedMsg{address: addr, err: err}
	}
}
