package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/semaphore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/internal/startup"
	"sockscope/reflection"
	"sockscope/sockets"
)

// schemaTimeout bounds reflection look-ups, which a server that accepts and
// then stays silent would otherwise stretch forever when --max-time is unset.
// A variable only so that a test need not wait that long.
var schemaTimeout = 15 * time.Second

// runEnv carries one invocation's options and standard streams through the scripted modes.
type runEnv struct {
	opts   *options
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	timings []timing
}

type timing struct {
	stage string
	took  time.Duration
}

// exitError is a failure with the exit status it deserves.
type exitError struct {
	status int
	err    error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{status: exitUsage, err: fmt.Errorf(format, args...)}
}

func (env *runEnv) fail(err error) int {
	fmt.Fprintf(env.stderr, "sockscope: %v\n", err)
	if code := status.Code(err); code == codes.Unauthenticated || code == codes.PermissionDenied {
		// What fails here is reflection (the call's own status prints elsewhere).
		fmt.Fprintln(env.stderr, "hint: the server wants credentials for reflection too: -H sends a header with reflection and the call, --reflect-header with reflection only")
	}
	if hint := env.peerHint(err); hint != "" {
		fmt.Fprintln(env.stderr, "hint: "+hint)
	}
	var ee *exitError
	var inputErr *client.InputError
	switch {
	case errors.As(err, &ee):
		return ee.status
	case errors.As(err, &inputErr), errors.Is(err, reflection.ErrNotFound):
		return exitUsage
	default:
		return exitFailure
	}
}

func (env *runEnv) measure(stage string, start time.Time) {
	env.timings = append(env.timings, timing{stage, time.Since(start)})
}

// session is a connection (possibly none, when the schema comes from files
// alone) and the schema source bound to it.
type session struct {
	conn   *grpc.ClientConn
	source *reflection.Source
	// stopSchemaTimer ends the look-up deadline once the symbols a mode needs are resolved,
	// so later lazy look-ups (Any payloads) are not cut off.
	stopSchemaTimer func() bool
	cancel          context.CancelFunc
	// ctx is the mode's own (interrupt, --max-time); srcCtx the schema
	// look-ups', which the timer also ends; address is for messages.
	ctx, srcCtx context.Context
	address     string
	maxTime     time.Duration
}

// explain turns a schema look-up that was cut off into what happened: the
// server never answered in time. Other errors pass as they are.
func (s *session) explain(err error) error {
	if err == nil || s.srcCtx.Err() == nil {
		return err
	}
	switch {
	case errors.Is(s.ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s gave no schema within --max-time %s: %w", s.address, s.maxTime, err)
	case s.ctx.Err() != nil:
		return err // interrupted
	}
	return fmt.Errorf("%s gave no schema within %s: it accepted the connection but does not answer gRPC (sockscope --scan tells what it speaks): %w", s.address, schemaTimeout, err)
}

func (s *session) close() {
	s.source.Close()
	if s.conn != nil {
		s.conn.Close()
	}
	s.cancel()
}

func (env *runEnv) open(ctx context.Context) (*session, error) {
	o := env.opts
	reflectMD, err := o.reflectionHeaders()
	if err != nil {
		return nil, err
	}
	var conn *grpc.ClientConn
	if o.address != "" {
		target, err := client.ParseAddress(o.address)
		if err != nil {
			return nil, usageError("%v", err)
		}
		start := time.Now()
		// --max-msg-size limits the call's replies only (see callMethod);
		// reflection answers on the same connection keep the default limit.
		conn, err = client.Dial(ctx, target, client.DialOptions{ConnectTimeout: o.connectTimeout, Authority: o.authority})
		env.measure("dial", start)
		if err != nil {
			return nil, err
		}
	}
	srcCtx, cancel := context.WithCancel(ctx)
	if len(reflectMD) > 0 {
		srcCtx = metadata.NewOutgoingContext(srcCtx, reflectMD)
	}
	timer := time.AfterFunc(schemaTimeout, cancel)
	var stream grpc.ClientConnInterface
	if conn != nil {
		stream = conn
	}
	src, err := reflection.Open(srcCtx, stream, o.schemaOptions())
	if err != nil {
		timer.Stop()
		cancel()
		if conn != nil {
			conn.Close()
		}
		return nil, usageError("%v", err)
	}
	return &session{conn: conn, source: src, stopSchemaTimer: timer.Stop, cancel: cancel, ctx: ctx, srcCtx: srcCtx, address: o.address, maxTime: o.maxTime}, nil
}

// baseContext is interruptible and ends at --max-time.
func (env *runEnv) baseContext() (context.Context, context.CancelFunc) {
	ctx, release := interruptible()
	if env.opts.maxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, env.opts.maxTime)
		return ctx, func() { cancel(); release() }
	}
	return ctx, release
}

// interruptGrace is how long a scripted mode runs before it catches SIGINT.
// Catching it (os/signal) costs a thread and made a unary call about 0.2 ms
// slower, which a call that ends sooner gains nothing from; until then
// Ctrl-C ends the process as it would any program.
const interruptGrace = 50 * time.Millisecond

// interruptible returns a context that SIGINT cancels once interruptGrace
// has passed, so that an interrupted call ends with CANCELLED and prints
// what it has rather than dying mid-write; release stops catching.
func interruptible() (ctx context.Context, release context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	catch := time.AfterFunc(interruptGrace, func() {
		interrupts := make(chan os.Signal, 1)
		signal.Notify(interrupts, os.Interrupt)
		defer signal.Stop(interrupts)
		select {
		case <-interrupts:
			cancel()
		case <-ctx.Done():
		}
	})
	return ctx, func() {
		catch.Stop()
		cancel()
	}
}

// schemaOptions gathers the schema flags; the socket path lets a daemon be
// recognised by its socket's name.
func (o *options) schemaOptions() reflection.Options {
	opts := reflection.Options{ProtoFiles: o.protoFiles, ImportPaths: o.importPaths, Protosets: o.protosets, Schema: o.schema}
	if t, err := client.ParseAddress(o.address); err == nil && t.Network == "unix" {
		opts.SocketPath = t.Address
	}
	return opts
}

// listSchemas prints every schema --schema takes, how each is recognised
// and where the user's own live.
func (env *runEnv) listSchemas() int {
	schemas, errs := reflection.Schemas()
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	for _, s := range schemas {
		var by []string
		if p := s.SocketPatterns(); len(p) > 0 {
			by = append(by, "socket "+strings.Join(p, ", "))
		}
		if p := s.Probe(); p != "" {
			by = append(by, "answers "+p)
		}
		if len(by) == 0 {
			by = append(by, "--schema only")
		}
		desc := s.Description
		if s.Origin != reflection.OriginBuiltIn {
			desc += " (" + s.Origin + ")"
		}
		fmt.Fprintf(w, "%s\t%s\n\t  recognised by: %s\n", s.Name, desc, strings.Join(by, "; "))
	}
	w.Flush()
	if dir := reflection.UserSchemaDir(); dir != "" {
		fmt.Fprintf(env.stdout, "\nYour own schemas go in %s (see README: Schemas).\n", dir)
	}
	for _, err := range errs {
		fmt.Fprintf(env.stderr, "sockscope: %v\n", err)
	}
	return exitOK
}

func (env *runEnv) listMethods() int {
	ctx, cancel := env.baseContext()
	defer cancel()
	s, err := env.open(ctx)
	if err != nil {
		return env.fail(err)
	}
	defer s.close()
	methods, err := s.source.Methods(ctx)
	if err != nil {
		return env.fail(s.explain(err))
	}
	if err := writeProtoset(env.opts.protosetOut, methods); err != nil {
		return env.fail(err)
	}
	w := bufio.NewWriter(env.stdout)
	defer w.Flush()
	for _, md := range methods {
		name := reflection.MethodName(md)
		if !env.opts.long {
			fmt.Fprintln(w, name)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s -> %s\n", name, reflection.RPCKind(md), md.Input().FullName(), md.Output().FullName())
	}
	// The rest is listed, but a script must not take the list as complete.
	if left := s.source.LeftOut(); len(left) > 0 {
		w.Flush()
		for _, err := range left {
			fmt.Fprintf(env.stderr, "sockscope: left out %v\n", err)
		}
		return exitFailure
	}
	return exitOK
}

// withSymbol finds name in the schema and prints what render makes of it.
func (env *runEnv) withSymbol(name string, render func(protoreflect.Descriptor) (string, error)) int {
	ctx, cancel := env.baseContext()
	defer cancel()
	s, err := env.open(ctx)
	if err != nil {
		return env.fail(err)
	}
	defer s.close()
	d, err := s.source.FindSymbol(ctx, name)
	if err != nil {
		return env.fail(s.explain(err))
	}
	text, err := render(d)
	if err != nil {
		return env.fail(err)
	}
	fmt.Fprint(env.stdout, strings.TrimRight(text, "\n")+"\n")
	return exitOK
}

func (env *runEnv) describeSymbol() int {
	return env.withSymbol(env.opts.describe, func(d protoreflect.Descriptor) (string, error) {
		if err := writeProtoset(env.opts.protosetOut, []protoreflect.Descriptor{d}); err != nil {
			return "", err
		}
		return reflection.Describe(d)
	})
}

// writeProtoset writes the files that define what was listed or described,
// with all they import, to path (--protoset-out; nothing when empty), as
// protoc --include_imports does: one self-contained file that --protoset
// reads back, for when the server is not at hand or has no reflection.
func writeProtoset[D protoreflect.Descriptor](path string, described []D) error {
	if path == "" {
		return nil
	}
	var files []protoreflect.FileDescriptor
	seen := map[string]bool{}
	for _, d := range described {
		if fd := d.ParentFile(); !seen[fd.Path()] {
			seen[fd.Path()] = true
			files = append(files, fd)
		}
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(reflection.FileSet(files, nil))
	if err != nil {
		return fmt.Errorf("--protoset-out: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("--protoset-out: %w", err)
	}
	return nil
}

func (env *runEnv) templateSymbol() int {
	return env.withSymbol(env.opts.template, func(d protoreflect.Descriptor) (string, error) {
		var msg protoreflect.MessageDescriptor
		switch d := d.(type) {
		case protoreflect.MethodDescriptor:
			msg = d.Input()
		case protoreflect.MessageDescriptor:
			msg = d
		default:
			return "", usageError("%s is a %s; --template takes a method or a message", d.FullName(), reflection.KindName(d))
		}
		out, err := reflection.Template(msg)
		return string(out), err
	})
}

// requestSource reads the requests of a call, in the --format's syntax.
type requestSource interface {
	Next() (proto.Message, error)
	AllowUnknownFields()
}

func newRequestSource(o *options, input io.Reader, md protoreflect.MessageDescriptor, resolver client.TypeResolver) requestSource {
	var src requestSource
	if o.format == "text" {
		src = client.NewTextRequestReader(input, md, resolver)
	} else {
		src = client.NewRequestReader(input, md, resolver)
	}
	if o.allowUnknown {
		src.AllowUnknownFields()
	}
	return src
}

// maxQueuedReplyBytes bounds the replies received but not yet printed.
const maxQueuedReplyBytes = 16 << 20

func (env *runEnv) callMethod() int {
	// A call is a short-lived process whose garbage is per-message and
	// small: collecting a quarter as often costs little memory and a sixth
	// of the time of a 100,000-message stream (bench/call.sh).
	debug.SetGCPercent(400)
	o := env.opts
	header, err := o.callHeaders()
	if err != nil {
		return env.fail(err)
	}
	input, closeInput, err := env.requestData()
	if err != nil {
		return env.fail(err)
	}
	defer closeInput()

	ctx, cancel := env.baseContext()
	defer cancel()
	s, err := env.open(ctx)
	if err != nil {
		return env.fail(err)
	}
	defer s.close()

	start := time.Now()
	md, err := s.source.FindMethod(ctx, o.call)
	env.measure("schema", start)
	if err != nil {
		return env.fail(s.explain(err))
	}
	s.stopSchemaTimer()
	resolver := client.WithGlobalFallback(s.source.TypeResolver())

	out := newReplyWriter(env.stdout)
	defer out.Close()
	format := &client.ReplyFormat{Indent: o.format == "json", Text: o.format == "text", EmitDefaults: o.emitDefaults, Resolver: resolver}
	requests := newRequestSource(o, input, md.Input(), resolver)

	// Replies are formatted on their own goroutine, so receiving the next
	// one overlaps formatting this one: a tenth off a long stream of small
	// messages. What waits to be formatted is bounded in bytes, so a stream
	// of large replies arriving faster than they print cannot pile up.
	callCtx, stopCall := context.WithCancel(ctx)
	defer stopCall()
	type queued struct {
		m     proto.Message
		bytes int64
	}
	replies := make(chan queued, 256)
	inFlight := semaphore.NewWeighted(maxQueuedReplyBytes)
	var formatErr error
	formatted := make(chan struct{})
	go func() {
		defer close(formatted)
		for r := range replies {
			if formatErr == nil {
				b, err := format.Marshal(r.m)
				if err == nil {
					err = out.WriteMessage(b)
				}
				if err != nil {
					formatErr = err
					stopCall()
				}
			}
			inFlight.Release(r.bytes)
		}
	}()
	var replyBytes int64
	start = time.Now()
	result, err := client.Invoke(callCtx, s.conn, md, header, requests.Next, client.Handler{
		OnReplySize: func(n int) { replyBytes = min(int64(n), maxQueuedReplyBytes) },
		OnResponse: func(m proto.Message) error {
			held := replyBytes
			if inFlight.Acquire(callCtx, held) != nil {
				// The call is ending (deadline, interrupt, or a reply that
				// would not print): this reply still prints, and Invoke
				// reports how the call ended.
				held = 0
			}
			replies <- queued{m, held}
			return nil
		},
	}, grpc.MaxCallRecvMsgSize(o.maxMsgSize))
	close(replies)
	<-formatted
	if formatErr != nil {
		err = formatErr
	}
	env.measure("call", start)
	out.Close()
	if o.verbose {
		if name, why := s.source.Schema(); name != "" {
			if origin := s.source.SchemaOrigin(); origin != reflection.OriginBuiltIn {
				fmt.Fprintf(env.stderr, "Schema: %s from %s (%s)\n", name, origin, why)
			} else {
				fmt.Fprintf(env.stderr, "Schema: built-in %s (%s)\n", name, why)
			}
		} else if v := s.source.Reflection(); v != "" {
			fmt.Fprintf(env.stderr, "Schema: server reflection %s\n", v)
		}
		env.printVerbose(result)
	}
	if err != nil {
		return env.fail(err)
	}
	if result.Status.Code() == codes.OK {
		return exitOK
	}
	if hint := statusHint(result.Status); hint != "" {
		defer fmt.Fprintln(env.stderr, hint)
	} else if hint := env.peerHint(result.Status.Err()); hint != "" {
		defer fmt.Fprintln(env.stderr, "hint: "+hint)
	}
	text, jerr := client.StatusJSON(result.Status, resolver)
	if jerr != nil {
		fmt.Fprintf(env.stderr, "code: %s\nmessage: %s\n(details could not be decoded: %v)\n",
			result.Status.Code(), result.Status.Message(), jerr)
	} else {
		fmt.Fprintf(env.stderr, "%s\n", strings.TrimRight(string(text), "\n"))
	}
	return exitRPCBase + int(result.Status.Code())
}

func (env *runEnv) printVerbose(r client.Result) {
	w := env.stderr
	printMD := func(title string, md metadata.MD) {
		fmt.Fprintf(w, "%s:\n", title)
		keys := make([]string, 0, len(md))
		for k := range md {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range md[k] {
				fmt.Fprintf(w, "  %s: %s\n", k, v)
			}
		}
	}
	printMD("Response headers", r.Header)
	printMD("Response trailers", r.Trailer)
	fmt.Fprintf(w, "Sent %d, received %d message(s); status %s\n", r.Sent, r.Received, r.Status.Code())
	fmt.Fprint(w, "Timing:")
	for _, t := range env.timings {
		fmt.Fprintf(w, " %s %s", t.stage, t.took.Round(10*time.Microsecond))
	}
	fmt.Fprintln(w)
}

// callHeaders is the call's metadata: -H and --rpc-header.
func (o *options) callHeaders() (metadata.MD, error) {
	h, err := o.readHeaderFlags()
	return metadata.Join(h.both, h.call), err
}

// reflectionHeaders is what reflection requests (and the probes that
// recognise a daemon without reflection) carry: -H and --reflect-header,
// since a server that checks credentials usually checks them on every RPC.
func (o *options) reflectionHeaders() (metadata.MD, error) {
	h, err := o.readHeaderFlags()
	return metadata.Join(h.both, h.reflection), err
}

// headerSets are the three header flags' metadata, read once: a header
// file is read one time however many uses it has.
type headerSets struct {
	both, call, reflection metadata.MD // -H, --rpc-header, --reflect-header
	err                    error
}

func (o *options) readHeaderFlags() (headerSets, error) {
	if o.parsedHeaders == nil {
		h := &headerSets{}
		sets := []*metadata.MD{&h.both, &h.call, &h.reflection}
		for i, f := range o.headerFlags() {
			if *sets[i], h.err = readHeaders(f, o.expandHeaders); h.err != nil {
				break
			}
		}
		o.parsedHeaders = h
	}
	return *o.parsedHeaders, o.parsedHeaders.err
}

type headerFlag struct {
	name   string
	values []string
}

// headerFlags are -H, --rpc-header and --reflect-header, in that order.
func (o *options) headerFlags() []headerFlag {
	return []headerFlag{{"-H", o.headers}, {"--rpc-header", o.rpcHeaders}, {"--reflect-header", o.reflectHeaders}}
}

// readHeaders parses 'key: value' flag values; '@file' reads one header a
// line so that secrets need not appear in the process list or shell
// history. With expand, ${NAME} in a header becomes the environment
// variable's value, for the same reason.
func readHeaders(f headerFlag, expand bool) (metadata.MD, error) {
	var lines []string
	for _, h := range f.values {
		if !strings.HasPrefix(h, "@") {
			lines = append(lines, h)
			continue
		}
		b, err := os.ReadFile(h[1:])
		if err != nil {
			return nil, usageError("%s %s: %v", f.name, h, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			lines = append(lines, line)
		}
	}
	if expand {
		for i, line := range lines {
			expanded, err := expandEnv(line)
			if err != nil {
				return nil, usageError("%s: %v", f.name, err)
			}
			lines[i] = expanded
		}
	}
	md, err := client.ParseHeaders(lines)
	if err != nil {
		return nil, usageError("%s: %v", f.name, err)
	}
	return md, nil
}

// envReference is ${NAME}, the one form --expand-headers replaces: a bare
// $ stays as it is, since tokens may hold one.
// Compiled on first use, not at every start.
var envReference = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`) })

// expandEnv replaces each ${NAME} in s by that environment variable; an
// unset one is an error rather than an empty credential.
func expandEnv(s string) (string, error) {
	var missing []string
	out := envReference().ReplaceAllStringFunc(s, func(ref string) string {
		name := ref[2 : len(ref)-1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("--expand-headers: %s not set in the environment", strings.Join(missing, ", "))
	}
	return out, nil
}

// requestData opens the -d source without reading it, so streaming calls can
// send each message as soon as it is typed.
func (env *runEnv) requestData() (io.Reader, func(), error) {
	o := env.opts
	switch {
	case !o.dataSet:
		return strings.NewReader(""), func() {}, nil
	case o.data == "@" || o.data == "@-":
		return env.stdin, func() {}, nil
	case strings.HasPrefix(o.data, "@"):
		f, err := os.Open(o.data[1:])
		if err != nil {
			return nil, nil, usageError("-d %s: %v", o.data, err)
		}
		return bufio.NewReader(f), func() { f.Close() }, nil
	default:
		return strings.NewReader(o.data), func() {}, nil
	}
}

// replyWriter buffers replies but flushes within flushDelay, so a fast stream
// costs few writes while a slow one still shows each reply as it arrives.
type replyWriter struct {
	mu        sync.Mutex
	w         *bufio.Writer
	scheduled bool
	closed    bool
	err       error
}

const flushDelay = 20 * time.Millisecond

func newReplyWriter(w io.Writer) *replyWriter {
	return &replyWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (r *replyWriter) WriteMessage(b []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.w.Write(b)
	if err := r.w.WriteByte('\n'); err != nil {
		r.err = fmt.Errorf("write reply: %w", err)
		return r.err
	}
	if !r.scheduled {
		r.scheduled = true
		time.AfterFunc(flushDelay, r.flush)
	}
	return nil
}

func (r *replyWriter) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scheduled = false
	if err := r.w.Flush(); err != nil && r.err == nil {
		r.err = fmt.Errorf("write reply: %w", err)
	}
}

func (r *replyWriter) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	r.w.Flush()
}

func (env *runEnv) scanSockets() int {
	startup.UseAllCPUs()
	ctx, cancel := env.baseContext()
	defer cancel()
	color := isTerminal(env.stdout) && os.Getenv("NO_COLOR") == ""
	return runScan(ctx, scanOptions{Options: env.opts.scanOptions(), json: env.opts.json, color: color}, env.stdout, env.stderr)
}

// isTerminal reports whether w is a character device, i.e. a person is reading.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// statusHint names the fix for failures whose cause is known, such as
// containerd refusing calls without a namespace.
func statusHint(st *status.Status) string {
	if sug, ok := client.SuggestMetadata(st); ok {
		return fmt.Sprintf("hint: %s: add -H '%s'", sug.Why, sug.Line())
	}
	return ""
}

// peerProbeTimeout bounds asking a socket what it speaks after gRPC failed on it.
const peerProbeTimeout = time.Second

// peerHint says what the socket speaks when gRPC failed on it with
// Unavailable, which gRPC puts in HTTP/2 terms only; "" otherwise.
func (env *runEnv) peerHint(err error) string {
	if status.Code(err) != codes.Unavailable {
		return ""
	}
	t, perr := client.ParseAddress(env.opts.address)
	if perr != nil {
		return ""
	}
	return sockets.ExplainNotGRPC(context.Background(), t, peerProbeTimeout)
}
