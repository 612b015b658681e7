// Package loadgen owns the load loop behind --bench: it calls one unary or
// server-streaming method over a set of connections, from a number of
// workers at once, for a count of calls or a length of time, optionally at
// a fixed rate, and counts each call's latency in an HDR-style Histogram
// and its outcome by status code. Requests go out as bytes encoded once
// and replies are counted, not decoded, so the figures are the socket's
// and the server's rather than this program's. It knows nothing of
// addresses, schemas or output: its caller dials and encodes.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Target is what each call sends, and where.
type Target struct {
	// Conns are the connections; worker i calls on Conns[i%len(Conns)].
	Conns []grpc.ClientConnInterface
	// Method is the gRPC path, "/pkg.Service/Method".
	Method string
	// ServerStream says the method streams replies; each call then reads
	// the stream to its end and counts its messages.
	ServerStream bool
	// Request is the request message, already encoded.
	Request []byte
	// Header is sent with every call.
	Header metadata.MD
	// CallOptions apply to every call (say, grpc.MaxCallRecvMsgSize).
	CallOptions []grpc.CallOption
}

// Load is how much to send.
type Load struct {
	// Requests is how many calls to make in all; zero means as many as
	// Duration allows.
	Requests int64
	// Duration is how long to start calls for when Requests is zero; calls
	// in flight when it ends are waited for and counted.
	Duration time.Duration
	// Concurrency is how many workers call at once, each waiting for its
	// call to end before it starts the next (1 when zero or less).
	Concurrency int
	// Rate, when positive, paces the calls to that many a second in all:
	// call i starts no sooner than i/Rate seconds after the start. Latency
	// is counted from when a call starts, not from when it was due, as ghz
	// counts it.
	Rate float64
	// Done, when set, is incremented as each call ends, for a progress line.
	Done *atomic.Int64
}

// Result is what one Run, or several added together, measured. Calls that
// ctx cut short are not counted at all.
type Result struct {
	// Requests counts the calls that ended; OK those that ended with status OK.
	Requests, OK int64
	// Errors counts the calls that failed, by status code.
	Errors map[codes.Code]int64
	// Messages counts the replies received, which for a server stream may
	// be many per call.
	Messages int64
	// Elapsed is the wall time the calls took, from the first start to the
	// last end (summed over runs when added).
	Elapsed time.Duration
	// Latency holds each counted call's duration, from its start until its
	// last reply and status arrived.
	Latency Histogram
}

// Add adds o's counts and time to r.
func (r *Result) Add(o *Result) {
	r.Requests += o.Requests
	r.OK += o.OK
	r.Messages += o.Messages
	r.Elapsed += o.Elapsed
	for code, n := range o.Errors {
		if r.Errors == nil {
			r.Errors = map[codes.Code]int64{}
		}
		r.Errors[code] += n
	}
	r.Latency.Merge(&o.Latency)
}

// Throughput is the calls that ended per second of Elapsed.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Run makes the calls l asks for on t and returns what they measured. It
// returns early, with what was counted so far, when ctx ends; the error is
// then ctx's. A call that fails is no error: it counts in Result.Errors.
func Run(ctx context.Context, t Target, l Load) (Result, error) {
	if len(t.Conns) == 0 {
		return Result{}, errors.New("loadgen: no connection to call on")
	}
	if l.Requests <= 0 && l.Duration <= 0 {
		return Result{}, errors.New("loadgen: neither a number of calls nor a duration")
	}
	workers := max(l.Concurrency, 1)
	if l.Requests > 0 {
		workers = int(min(int64(workers), l.Requests))
	}
	if len(t.Header) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, t.Header)
	}
	opts := append([]grpc.CallOption{grpc.ForceCodecV2(rawCodec{})}, t.CallOptions...)
	r := &runner{target: t, load: l, opts: opts, start: time.Now()}
	if l.Requests <= 0 {
		r.deadline = r.start.Add(l.Duration)
	}
	if l.Rate > 0 {
		r.interval = time.Duration(float64(time.Second) / l.Rate)
	}
	results := make([]Result, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { r.work(ctx, t.Conns[i%len(t.Conns)], &results[i]) })
	}
	wg.Wait()
	total := Result{Elapsed: time.Since(r.start)}
	for i := range results {
		total.Add(&results[i])
	}
	return total, ctx.Err()
}

type runner struct {
	target   Target
	load     Load
	opts     []grpc.CallOption
	start    time.Time
	deadline time.Time     // zero when counting calls
	interval time.Duration // zero when not paced
	claimed  atomic.Int64
}

// claim takes the next call's number, or says there is none left.
func (r *runner) claim() (int64, bool) {
	i := r.claimed.Add(1) - 1
	if r.load.Requests > 0 {
		return i, i < r.load.Requests
	}
	return i, time.Now().Before(r.deadline)
}

func (r *runner) work(ctx context.Context, conn grpc.ClientConnInterface, res *Result) {
	var timer *time.Timer
	for {
		i, ok := r.claim()
		if !ok || ctx.Err() != nil {
			return
		}
		if r.interval > 0 {
			if wait := time.Until(r.start.Add(time.Duration(i) * r.interval)); wait > 0 {
				if timer == nil {
					timer = time.NewTimer(wait)
				} else {
					timer.Reset(wait)
				}
				select {
				case <-timer.C:
				case <-ctx.Done():
					timer.Stop()
					return
				}
			}
		}
		start := time.Now()
		messages, err := r.call(ctx, conn)
		took := time.Since(start)
		if ctx.Err() != nil || endedByContext(ctx, err) {
			return
		}
		res.Latency.Record(took)
		res.Requests++
		res.Messages += messages
		if code := status.Code(err); code == codes.OK {
			res.OK++
		} else {
			if res.Errors == nil {
				res.Errors = map[codes.Code]int64{}
			}
			res.Errors[code]++
		}
		if r.load.Done != nil {
			r.load.Done.Add(1)
		}
	}
}

// endedByContext says whether a call's DeadlineExceeded is the run's own
// deadline: the server's timer, set from the grpc-timeout the client sent,
// can fire a moment before the client's context reports it.
func endedByContext(ctx context.Context, err error) bool {
	deadline, ok := ctx.Deadline()
	if !ok || status.Code(err) != codes.DeadlineExceeded || time.Until(deadline) > contextSlack {
		return false
	}
	select {
	case <-ctx.Done():
		return true
	case <-time.After(time.Until(deadline) + contextSlack):
		return ctx.Err() != nil
	}
}

// contextSlack is how far apart the two clocks of a deadline may be.
const contextSlack = 50 * time.Millisecond

// call makes one call and says how many replies it received.
func (r *runner) call(ctx context.Context, conn grpc.ClientConnInterface) (int64, error) {
	var reply discardedReply
	if !r.target.ServerStream {
		err := conn.Invoke(ctx, r.target.Method, encodedRequest(r.target.Request), &reply, r.opts...)
		if err != nil {
			return 0, err
		}
		return 1, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, r.target.Method, r.opts...)
	if err != nil {
		return 0, err
	}
	// A send that fails has its reason in the status RecvMsg returns.
	if err := stream.SendMsg(encodedRequest(r.target.Request)); err == nil {
		stream.CloseSend()
	}
	var messages int64
	for {
		err := stream.RecvMsg(&reply)
		if errors.Is(err, io.EOF) {
			return messages, nil
		}
		if err != nil {
			return messages, err
		}
		messages++
	}
}

// encodedRequest is a request already in protobuf's wire format.
type encodedRequest []byte

// discardedReply stands for a reply that is received and not decoded.
type discardedReply struct{}

// rawCodec sends encodedRequest as it is and drops replies unread. Its name
// is proto's, so the server sees application/grpc+proto as from any client.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	b, ok := v.(encodedRequest)
	if !ok {
		return nil, fmt.Errorf("loadgen: cannot send %T", v)
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (rawCodec) Unmarshal(_ mem.BufferSlice, v any) error {
	if _, ok := v.(*discardedReply); !ok {
		return fmt.Errorf("loadgen: cannot receive into %T", v)
	}
	return nil
}

var _ encoding.CodecV2 = rawCodec{}
