package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/internal/safetext"
	"sockscope/internal/startup"
	"sockscope/session"
)

// newRequestSource reads the requests of a call to md, in the --format's
// syntax; a method that takes one request rejects input that holds more.
func newRequestSource(o *options, input io.Reader, md protoreflect.MethodDescriptor, resolver client.TypeResolver) client.Reader {
	return client.NewReader(o.requestFormat(), input, md.Input(), resolver, client.ReaderOptions{AllowUnknownFields: o.allowUnknown, Single: !md.IsStreamingClient()})
}

// callHeapCap is the memory a call collects to stay under while its live
// heap is small (see capHeap): about what grpcurl's collector, at Go's
// default GOGC, lets the same stream reach.
const callHeapCap = 20 << 20

// maxQueuedReplyBytes bounds the replies received but not yet printed.
const maxQueuedReplyBytes = 16 << 20

// streamRetryBufferBytes bounds what gRPC keeps of a client stream for a
// transparent retry (a stream the server never saw is sent again). gRPC
// keeps each message sent, the decoded message included, until the
// server's first answer or until their encodings pass this bound; a client
// stream is often answered only at its end, and under gRPC's default of
// 256 KiB a stream of small messages kept a heap many times that.
const streamRetryBufferBytes = 16 << 10

func (env *runEnv) callMethod() int {
	// A call is a short-lived process whose garbage is per-message and
	// small: collecting a quarter as often speeds a long stream of small
	// messages (bench/call.sh), and the cap keeps that from costing memory
	// while the heap a call keeps is small.
	shortRunGC(400, 0)
	capHeap(callHeapCap)
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
		return env.failCall(err)
	}
	defer s.Close()

	md, err := s.FindMethod(ctx, o.call)
	if err != nil {
		return env.failCall(err)
	}
	if md.IsStreamingClient() || md.IsStreamingServer() {
		// A stream runs long enough for a second P to pay: the collector
		// that the heap cap runs more often marks on it, beside the
		// goroutines that read, send and print.
		startup.UseAllCPUs()
	}
	resolver := s.Resolver()
	out := newReplyWriter(env.stdout)
	defer out.Close()
	format := &client.ReplyFormat{Indent: o.format == "json", Text: o.format == "text", EmitDefaults: o.emitDefaults, Resolver: resolver}
	requests := newRequestSource(o, input, md, resolver)
	next := requests.Next
	rec := env.historyRecorder()
	if rec != nil {
		next = rec.Wrap(next)
	}

	start := time.Now()
	result, err := invokePrinting(ctx, s, md, header, next, format, out, o.maxMsgSize)
	callTook := time.Since(start)
	out.Close()
	if err == nil || result.Sent > 0 {
		// A call whose input was refused before anything was sent is not one.
		env.recordCall(rec, md, header, result, start, callTook, resolver)
	}
	if o.verbose {
		if p := s.Provenance().String(); p != "" {
			fmt.Fprintf(env.stderr, "Schema: %s\n", p)
		}
		env.printVerbose(result, append(s.Timings(), session.Timing{Stage: "call", Took: callTook}), resolver)
	}
	if err != nil {
		return env.fail(err)
	}
	if result.Status.Code() == codes.OK {
		return exitOK
	}
	s.NoteAnswer(md, result.Status)
	for _, hint := range s.CallHints(result.Status) {
		defer fmt.Fprintln(env.stderr, "hint: "+safetext.Clip(hint, maxMessageBytes))
	}
	text, jerr := client.StatusJSON(result.Status, resolver)
	if jerr != nil {
		fmt.Fprintf(env.stderr, "code: %s\nmessage: %s\n(details could not be decoded: %v)\n",
			result.Status.Code(), safetext.Clip(result.Status.Message(), maxMessageBytes), jerr)
	} else {
		fmt.Fprintf(env.stderr, "%s\n", strings.TrimRight(string(text), "\n"))
	}
	return exitRPCBase + int(result.Status.Code())
}

// failCall is fail for what stopped a call before it was sent: --max-time
// bounds the whole call, connecting and finding the method included, so
// running out of it there ends the call as a deadline in the call would,
// DeadlineExceeded (68), with the explanation kept.
func (env *runEnv) failCall(err error) int {
	if env.opts.maxTime > 0 && errors.Is(err, context.DeadlineExceeded) {
		env.report(err)
		return exitRPCBase + int(codes.DeadlineExceeded)
	}
	return env.fail(err)
}

// invokePrinting runs the call and prints each reply as it arrives.
// Replies are formatted on their own goroutine, so receiving the next one
// overlaps formatting this one; what waits to be formatted is bounded in
// bytes, so a stream of large replies arriving faster than they print
// cannot pile up.
func invokePrinting(ctx context.Context, s *session.Session, md protoreflect.MethodDescriptor, header metadata.MD,
	next func() (proto.Message, error), format *client.ReplyFormat, out *replyWriter, maxMsgSize int) (client.Result, error) {
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
	callOpts := []grpc.CallOption{grpc.MaxCallRecvMsgSize(maxMsgSize)}
	if md.IsStreamingClient() {
		callOpts = append(callOpts, grpc.MaxRetryRPCBufferSize(streamRetryBufferBytes))
	}
	var replyBytes int64
	result, err := client.Invoke(callCtx, s.Conn(), md, header, next, client.Handler{
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
	}, callOpts...)
	close(replies)
	<-formatted
	if formatErr != nil {
		err = formatErr
	}
	return result, err
}

func (env *runEnv) printVerbose(r client.Result, timings []session.Timing, resolver client.TypeResolver) {
	w := env.stderr
	printMD := func(title string, md metadata.MD) {
		fmt.Fprintf(w, "%s:\n", title)
		for _, line := range client.MetadataLines(md, resolver) {
			fmt.Fprintf(w, "  %s: %s\n", line.Key, line.Value)
		}
	}
	printMD("Response headers", r.Header)
	printMD("Response trailers", r.Trailer)
	fmt.Fprintf(w, "Sent %d, received %d message(s); status %s\n", r.Sent, r.Received, r.Status.Code())
	fmt.Fprint(w, "Timing:")
	for _, t := range timings {
		fmt.Fprintf(w, " %s %s", t.Stage, t.Took.Round(10*time.Microsecond))
	}
	fmt.Fprintln(w)
}
