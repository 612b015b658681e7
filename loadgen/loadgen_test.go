package loadgen

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
)

func dialSample(t *testing.T, opts sample.Options) grpc.ClientConnInterface {
	t.Helper()
	sock := sampletest.Serve(t, opts)
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func encode(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRunCountsCallsAndErrors(t *testing.T) {
	conn := dialSample(t, sample.Options{})
	ctx := context.Background()
	var done atomic.Int64
	res, err := Run(ctx, Target{
		Conns:   []grpc.ClientConnInterface{conn, conn},
		Method:  "/sample.v1.Echo/Echo",
		Request: encode(t, &samplepb.EchoRequest{Message: "x"}),
	}, Load{Requests: 500, Concurrency: 8, Done: &done})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 500 || res.OK != 500 || res.Messages != 500 || len(res.Errors) != 0 {
		t.Errorf("got %d calls, %d OK, %d messages, errors %v; want 500 OK", res.Requests, res.OK, res.Messages, res.Errors)
	}
	if res.Latency.Count() != 500 || done.Load() != 500 || res.Elapsed <= 0 || res.Throughput() <= 0 {
		t.Errorf("latency count %d, progress %d, elapsed %v: want 500, 500, positive", res.Latency.Count(), done.Load(), res.Elapsed)
	}

	res, err = Run(ctx, Target{
		Conns:   []grpc.ClientConnInterface{conn},
		Method:  "/sample.v1.Echo/Fail",
		Request: encode(t, &samplepb.FailRequest{Code: int32(codes.NotFound), Message: "gone"}),
	}, Load{Requests: 20, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Errors[codes.NotFound] != 20 || res.Requests != 20 {
		t.Errorf("Fail: %d OK, errors %v; want 20 NotFound", res.OK, res.Errors)
	}
}

func TestRunServerStreamCountsMessages(t *testing.T) {
	conn := dialSample(t, sample.Options{})
	res, err := Run(context.Background(), Target{
		Conns:        []grpc.ClientConnInterface{conn},
		Method:       "/sample.v1.Echo/Count",
		ServerStream: true,
		Request:      encode(t, &samplepb.CountRequest{Count: 7}),
	}, Load{Requests: 30, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 30 || res.OK != 30 || res.Messages != 30*7 {
		t.Errorf("got %d calls, %d OK, %d messages; want 30, 30, 210", res.Requests, res.OK, res.Messages)
	}
}

// TestRunHeaderReachesServer uses the sample's token check: without the
// header every call would be Unauthenticated.
func TestRunHeaderReachesServer(t *testing.T) {
	conn := dialSample(t, sample.Options{Token: "t"})
	target := Target{
		Conns:   []grpc.ClientConnInterface{conn},
		Method:  "/sample.v1.Echo/Echo",
		Request: encode(t, &samplepb.EchoRequest{}),
	}
	res, _ := Run(context.Background(), target, Load{Requests: 5})
	if res.Errors[codes.Unauthenticated] != 5 {
		t.Fatalf("without the token: errors %v, want 5 Unauthenticated", res.Errors)
	}
	target.Header = metadata.Pairs("authorization", "Bearer t")
	res, _ = Run(context.Background(), target, Load{Requests: 5})
	if res.OK != 5 {
		t.Errorf("with the token: %d OK, errors %v", res.OK, res.Errors)
	}
}

// TestRunDurationRateAndCancel checks the three ways a run ends. The
// elapsed times asserted are lower bounds that pacing and the duration
// guarantee, not speeds.
func TestRunDurationRateAndCancel(t *testing.T) {
	conn := dialSample(t, sample.Options{})
	target := Target{Conns: []grpc.ClientConnInterface{conn}, Method: "/sample.v1.Echo/Echo", Request: encode(t, &samplepb.EchoRequest{})}

	res, err := Run(context.Background(), target, Load{Duration: 100 * time.Millisecond, Concurrency: 2})
	if err != nil || res.Requests == 0 || res.Elapsed < 100*time.Millisecond {
		t.Errorf("--duration 100ms: %d calls in %v, err %v", res.Requests, res.Elapsed, err)
	}

	res, err = Run(context.Background(), target, Load{Requests: 11, Concurrency: 4, Rate: 100})
	if err != nil || res.Requests != 11 || res.Elapsed < 100*time.Millisecond {
		t.Errorf("11 calls at 100/s: %d calls in %v (want at least 100ms), err %v", res.Requests, res.Elapsed, err)
	}

	// Calls the context cuts short are not counted as failures.
	sleep := Target{Conns: target.Conns, Method: "/sample.v1.Echo/Sleep", Request: encode(t, &samplepb.SleepRequest{Ms: 10_000})}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res, err = Run(ctx, sleep, Load{Requests: 3, Concurrency: 3})
	if err == nil || res.Requests != 0 || len(res.Errors) != 0 {
		t.Errorf("cancelled run: err %v, %d calls, errors %v; want ctx's error and nothing counted", err, res.Requests, res.Errors)
	}
}

func TestRunRefusesNothingToDo(t *testing.T) {
	if _, err := Run(context.Background(), Target{}, Load{Requests: 1}); err == nil {
		t.Error("no connection: no error")
	}
	conn := dialSample(t, sample.Options{})
	if _, err := Run(context.Background(), Target{Conns: []grpc.ClientConnInterface{conn}}, Load{}); err == nil {
		t.Error("no count and no duration: no error")
	}
}

// BenchmarkRunEcho is the cost of one unary call through the load loop on
// a real socket, the loop's own work included; compare it with
// bench/grpcloop in bench/load.sh.
func BenchmarkRunEcho(b *testing.B) {
	sock := sampletest.Serve(b, sample.Options{})
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	req, _ := proto.Marshal(&samplepb.EchoRequest{Message: "bench"})
	target := Target{Conns: []grpc.ClientConnInterface{conn}, Method: "/sample.v1.Echo/Echo", Request: req}
	if _, err := Run(context.Background(), target, Load{Requests: 10}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	res, err := Run(context.Background(), target, Load{Requests: int64(b.N)})
	if err != nil || res.OK != int64(b.N) {
		b.Fatalf("%d of %d OK, err %v", res.OK, b.N, err)
	}
	b.ReportMetric(float64(res.Latency.Quantile(0.5).Microseconds()), "p50-µs")
}
