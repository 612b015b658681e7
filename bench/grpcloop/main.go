// Command grpcloop is the floor bench/load.sh holds --bench to: the least a
// grpc-go client can do to call sample.v1.Echo/Echo in a loop, with the
// generated stubs, one connection and a given number of goroutines. It
// prints the calls made, their rate and the median and 99th percentile
// latency, in the key names of sockscope --bench --format jsonl, so the
// script reads both the same way.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"sockscope/sample/samplepb"
)

func main() {
	addr := flag.String("addr", "", "socket path (anything with a /) or host:port")
	calls := flag.Int("n", 10000, "calls to make in all, after one per goroutine to warm up; 0 for only those")
	workers := flag.Int("c", 1, "goroutines calling at once")
	flag.Parse()
	target := *addr
	if strings.Contains(target, "/") {
		// gRPC's target syntax: unix:///abs for an absolute path, unix:rel
		// for a relative one.
		target = "unix:" + target
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcloop:", err)
		os.Exit(1)
	}
	defer conn.Close()
	echo := samplepb.NewEchoClient(conn)
	ctx := context.Background()
	req := &samplepb.EchoRequest{Message: "bench"}
	// One call per goroutine first, as --bench warms up.
	for range *workers {
		if _, err := echo.Echo(ctx, req); err != nil {
			fmt.Fprintln(os.Stderr, "grpcloop:", err)
			os.Exit(1)
		}
	}

	latencies := make([][]time.Duration, *workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range *workers {
		wg.Go(func() {
			for next.Add(1) <= int64(*calls) {
				t := time.Now()
				if _, err := echo.Echo(ctx, req); err != nil {
					fmt.Fprintln(os.Stderr, "grpcloop:", err)
					os.Exit(1)
				}
				latencies[w] = append(latencies[w], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(latencies...)
	if len(all) == 0 {
		// -n 0 is one call per goroutine and no loop: bench/call.sh times
		// it as the least a one-shot call with the generated stubs costs.
		json.NewEncoder(os.Stdout).Encode(map[string]any{"calls": 0})
		return
	}
	slices.Sort(all)
	at := func(q float64) float64 {
		return float64(all[min(int(q*float64(len(all))), len(all)-1)]) / float64(time.Microsecond)
	}
	out := map[string]any{
		"calls":       len(all),
		"calls_per_s": float64(len(all)) / elapsed.Seconds(),
		"latency_us":  map[string]float64{"p50": at(0.5), "p99": at(0.99)},
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
