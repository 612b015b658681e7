package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/client"
	"sockscope/internal/safetext"
	"sockscope/internal/startup"
	"sockscope/loadgen"
	"sockscope/reflection"
	"sockscope/session"
)

// defaultBenchCalls is how many calls --bench makes to each address when
// neither -n nor --duration says.
const defaultBenchCalls = 10_000

// benchRounds is how many rounds --vs splits the load into, alternating
// which address goes first, so that both see the same machine: a burst of
// other work, a CPU's frequency change or the page cache warming up lands
// on both rather than on whichever ran second.
const benchRounds = 10

// benchSide is one address under load.
type benchSide struct {
	address  string
	sessions []*session.Session
	target   loadgen.Target
	result   loadgen.Result
	done     atomic.Int64
}

func (env *runEnv) benchMethod() int {
	startup.UseAllCPUs()
	o := env.opts
	header, err := o.callHeaders()
	if err != nil {
		return env.fail(err)
	}
	input, closeInput, err := env.requestData()
	if err != nil {
		return env.fail(err)
	}
	data, err := io.ReadAll(input)
	closeInput()
	if err != nil {
		return env.fail(fmt.Errorf("-d %s: %w", o.data, err))
	}

	ctx, cancel := env.baseContext()
	defer cancel()
	addresses := []string{o.address}
	if o.vs != "" {
		addresses = append(addresses, o.vs)
	}
	var sides []*benchSide
	defer func() {
		for _, side := range sides {
			for _, s := range side.sessions {
				s.Close()
			}
		}
	}()
	var md protoreflect.MethodDescriptor
	for _, address := range addresses {
		side := &benchSide{address: address}
		sides = append(sides, side)
		if md, err = env.openBenchSide(ctx, side, data, header); err != nil {
			return env.fail(err)
		}
	}

	// One call per worker first, so that connection set-up, the server's
	// first-call paths and this process's own warm-up are not measured.
	for _, side := range sides {
		if _, err := loadgen.Run(ctx, side.target, loadgen.Load{Requests: int64(o.concurrency), Concurrency: o.concurrency}); err != nil {
			return env.fail(err)
		}
	}

	rounds := 1
	if len(sides) > 1 {
		rounds = benchRounds
		if o.benchCount > 0 {
			rounds = int(min(benchRounds, o.benchCount))
		}
	}
	stopProgress := env.showBenchProgress(sides, rounds)
	var cutShort error
rounds:
	for r := range rounds {
		order := slices.Clone(sides)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, side := range order {
			load := loadgen.Load{Concurrency: o.concurrency, Rate: o.benchRate, Done: &side.done}
			if o.benchCount > 0 {
				load.Requests = roundShare(o.benchCount, rounds, r)
			} else {
				load.Duration = o.benchFor / time.Duration(rounds)
			}
			res, err := loadgen.Run(ctx, side.target, load)
			side.result.Add(&res)
			if err != nil {
				cutShort = err
				break rounds
			}
		}
	}
	stopProgress()

	report := benchReport{
		method: md, concurrency: o.concurrency, connections: o.benchConns, rate: o.benchRate,
		rounds: rounds, complete: cutShort == nil, sides: sides,
	}
	if err := report.write(env.stdout, o.explicit["format"], o.format == "jsonl"); err != nil {
		return env.fail(err)
	}
	return env.benchStatus(cutShort, sides)
}

// openBenchSide opens -c connections to the side's address through the
// session, resolves the method on the first and encodes the request
// against that schema.
func (env *runEnv) openBenchSide(ctx context.Context, side *benchSide, data []byte, header metadata.MD) (protoreflect.MethodDescriptor, error) {
	o := env.opts
	s, err := env.openAt(ctx, side.address)
	if err != nil {
		return nil, err
	}
	side.sessions = append(side.sessions, s)
	md, err := s.FindMethod(ctx, o.bench)
	if err != nil {
		return nil, err
	}
	if md.IsStreamingClient() {
		return nil, usageError("--bench calls unary and server-streaming methods; %s is a %s", safetext.Line(reflection.MethodName(md)), reflection.RPCKind(md))
	}
	request, err := newRequestSource(o, bytes.NewReader(data), md, s.Resolver()).Next()
	if errors.Is(err, io.EOF) {
		request, err = dynamicpb.NewMessage(md.Input()), nil
	}
	if err != nil {
		return nil, err
	}
	encoded, err := proto.Marshal(request)
	if err != nil {
		return nil, fmt.Errorf("encode the request for %s: %w", md.FullName(), err)
	}
	conns := []grpc.ClientConnInterface{s.Conn()}
	for len(conns) < o.benchConns {
		// The other connections only carry the calls; the schema came
		// with the first.
		more, err := session.Open(ctx, session.Config{Address: side.address, ConnectTimeout: o.connectTimeout, Authority: o.authority, MaxTime: o.maxTime})
		if err != nil {
			return nil, err
		}
		side.sessions = append(side.sessions, more)
		conns = append(conns, more.Conn())
	}
	side.target = loadgen.Target{
		Conns:        conns,
		Method:       client.MethodPath(md),
		ServerStream: md.IsStreamingServer(),
		Request:      encoded,
		Header:       header,
		CallOptions:  []grpc.CallOption{grpc.MaxCallRecvMsgSize(o.maxMsgSize)},
	}
	return md, nil
}

// roundShare is round r's part of n calls split over rounds rounds; the
// first rounds take one more when n does not divide evenly.
func roundShare(n int64, rounds, r int) int64 {
	share := n / int64(rounds)
	if int64(r) < n%int64(rounds) {
		share++
	}
	return share
}

// benchStatus is the exit status: 0 only when every call was made and
// every one succeeded.
func (env *runEnv) benchStatus(cutShort error, sides []*benchSide) int {
	if cutShort != nil {
		if errors.Is(cutShort, context.DeadlineExceeded) {
			fmt.Fprintf(env.stderr, "sockscope: --max-time %s ended the run before it was complete\n", env.opts.maxTime)
			return exitFailure
		}
		fmt.Fprintln(env.stderr, "sockscope: interrupted: the figures are of the calls made so far")
		return exitInterrupted
	}
	status := exitOK
	for _, side := range sides {
		if failed := side.result.Requests - side.result.OK; failed > 0 {
			fmt.Fprintf(env.stderr, "sockscope: %d of %d calls to %s failed\n", failed, side.result.Requests, safetext.Line(side.address))
			status = exitFailure
		}
	}
	return status
}

// showBenchProgress keeps a progress line on stderr while it is a
// terminal, and returns what stops it and clears the line.
func (env *runEnv) showBenchProgress(sides []*benchSide, rounds int) (stop func()) {
	if !isTerminal(env.stderr) {
		return func() {}
	}
	o := env.opts
	start := time.Now()
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(env.stderr, "\r\x1b[K")
				return
			case <-tick.C:
			}
			var done int64
			for _, side := range sides {
				done += side.done.Load()
			}
			elapsed := time.Since(start)
			line := fmt.Sprintf("bench: %d calls in %.1fs, %.0f/s", done, elapsed.Seconds(), float64(done)/elapsed.Seconds())
			if o.benchCount > 0 {
				line = fmt.Sprintf("bench: %d/%d calls in %.1fs, %.0f/s", done, o.benchCount*int64(len(sides)), elapsed.Seconds(), float64(done)/elapsed.Seconds())
			}
			if rounds > 1 {
				line += fmt.Sprintf(" (%d rounds)", rounds)
			}
			fmt.Fprintf(env.stderr, "\r\x1b[K%s", line)
		}
	}()
	return func() { close(quit); <-finished }
}

// validateShellAndBench checks the flags of --completion, --bench and
// --sample-server --tcp.
func (o *options) validateShellAndBench() error {
	benchOnly := []struct {
		name string
		set  bool
	}{{"--vs", o.vs != ""}, {"-n", o.explicit["n"]}, {"--duration", o.explicit["duration"]}, {"-c", o.explicit["c"]}, {"--rate", o.explicit["rate"]}}
	switch {
	case o.completion != "" && o.completion != "bash" && o.completion != "zsh" && o.completion != "fish":
		return fmt.Errorf("--completion %q: want bash, zsh or fish", o.completion)
	case o.completion != "" && o.address != "":
		return fmt.Errorf("--completion takes no ADDRESS (%s)", o.address)
	case o.tcp != "" && !o.sampleServer:
		return errors.New("--tcp goes with --sample-server")
	}
	if o.bench == "" {
		for _, f := range benchOnly {
			if f.set {
				return fmt.Errorf("%s goes with --bench", f.name)
			}
		}
		return nil
	}
	if !o.explicit["concurrency"] {
		o.concurrency = o.benchConns
	}
	switch {
	case o.address == "":
		return errors.New("--bench needs an ADDRESS (a socket path, unix:…, @abstract or host:port)")
	case o.explicit["format"] && o.format != "json" && o.format != "jsonl":
		return fmt.Errorf("--format %q: --bench prints a table, or JSON with --format json or jsonl", o.format)
	case o.explicit["n"] && o.explicit["duration"]:
		return errors.New("-n and --duration both say when --bench stops: give one")
	case o.benchCount < 0 || o.explicit["n"] && o.benchCount == 0:
		return fmt.Errorf("-n %d: want a positive number of calls", o.benchCount)
	case o.explicit["duration"] && o.benchFor <= 0:
		return fmt.Errorf("--duration %s: want a positive duration", o.benchFor)
	case o.benchConns <= 0:
		return fmt.Errorf("-c %d: want a positive number of connections", o.benchConns)
	case o.concurrency < o.benchConns:
		return fmt.Errorf("--concurrency %d is below -c %d: every connection needs at least one call in flight", o.concurrency, o.benchConns)
	case o.benchRate < 0:
		return fmt.Errorf("--rate %g: want a positive number of calls a second", o.benchRate)
	}
	if !o.explicit["n"] && !o.explicit["duration"] {
		o.benchCount = defaultBenchCalls
	}
	return nil
}
