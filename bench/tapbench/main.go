// Command tapbench measures the tap against direct calls in one run, on the
// bundled sample server: unary latency (p50, p90, p99, calls alternating
// between the two paths so both see the same machine) with the tap's CPU
// time and how often its threads were scheduled per call, the throughput of a
// Count stream, and the tap's peak memory while a large Chat stream passes
// through it. The server and the taps are the sockscope binary given, run
// as users run them; bench/tap.sh builds it and prints these figures.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"sockscope/sample/samplepb"
)

func main() {
	bin := flag.String("sockscope", "", "the sockscope binary to run (required)")
	unary := flag.Int("unary", 3000, "unary calls timed on each path")
	count := flag.Int("count", 100000, "messages in each Count stream")
	rounds := flag.Int("rounds", 5, "Count streams on each path, alternating")
	mib := flag.Int("mib", 1024, "MiB sent through the tap in 1 MiB Chat messages, for its memory")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-sockscope is required")
	}
	dir, err := os.MkdirTemp("", "tapbench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	sock := filepath.Join(dir, "s.sock")
	server := start(*bin, "--sample-server", "--socket", sock)
	defer stop(server)
	waitFor(sock)
	lines := filepath.Join(dir, "t.sock")
	tapped := start(*bin, "--tap", sock, "--listen", lines)
	defer stop(tapped)
	waitFor(lines)

	direct, viaTap := dial(sock), dial(lines)
	fmt.Printf("unary Echo, %d calls each way, alternating (default output: a line per call)\n", *unary)
	cpu, runs := runTime(tapped.Process.Pid)
	d, tp := latencies(direct, viaTap, *unary)
	cpu2, runs2 := runTime(tapped.Process.Pid)
	fmt.Printf("  direct    p50 %7.1f µs  p90 %7.1f µs  p99 %7.1f µs\n", pct(d, 50), pct(d, 90), pct(d, 99))
	fmt.Printf("  tap       p50 %7.1f µs  p90 %7.1f µs  p99 %7.1f µs\n", pct(tp, 50), pct(tp, 90), pct(tp, 99))
	fmt.Printf("  p50 overhead %.1f µs (target ≤ 50)\n", pct(tp, 50)-pct(d, 50))
	calls := float64(*unary + warmUp)
	fmt.Printf("  tap CPU %.1f µs and %.1f times scheduled a call\n", float64((cpu2-cpu).Nanoseconds())/1000/calls, float64(runs2-runs)/calls)

	fmt.Printf("Count stream of %d messages, %d rounds each way, alternating\n", *count, *rounds)
	dr, tr := throughput(direct, viaTap, *count, *rounds)
	fmt.Printf("  direct    %10.0f msg/s (median)\n  tap       %10.0f msg/s (median)\n  ratio     %.2f (target ≥ 0.8)\n", dr, tr, tr/dr)

	fmt.Printf("tap memory while %d MiB pass each way in 1 MiB Chat messages\n", *mib)
	fmt.Printf("  line output          peak RSS %s\n", memoryWhileStreaming(tapped.Process.Pid, viaTap, *mib))
	decoded := filepath.Join(dir, "j.sock")
	jsonl := start(*bin, "--tap", sock, "--listen", decoded, "--format", "jsonl")
	defer stop(jsonl)
	waitFor(decoded)
	fmt.Printf("  jsonl, every message decoded  peak RSS %s\n", memoryWhileStreaming(jsonl.Process.Pid, dial(decoded), *mib))
}

func start(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	// The null device itself, not io.Discard: with a writer that is not a
	// file, exec copies the tap's output through a pipe on a goroutine of
	// this process, which also makes the calls being timed.
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	cmd.Stdout = null
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	return cmd
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
}

func waitFor(path string) {
	for range 200 {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Type() == os.ModeSocket {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	log.Fatalf("%s did not appear", path)
}

func dial(path string) samplepb.EchoClient {
	conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(8<<20)))
	if err != nil {
		log.Fatal(err)
	}
	return samplepb.NewEchoClient(conn)
}

// warmUp is how many calls each path makes before the timed ones.
const warmUp = 200

func latencies(direct, viaTap samplepb.EchoClient, n int) (d, t []float64) {
	call := func(c samplepb.EchoClient) float64 {
		start := time.Now()
		if _, err := c.Echo(context.Background(), &samplepb.EchoRequest{Message: "bench"}); err != nil {
			log.Fatal(err)
		}
		return float64(time.Since(start).Nanoseconds()) / 1000
	}
	for range warmUp {
		call(direct)
		call(viaTap)
	}
	for i := range n {
		// Which path goes first alternates too.
		if i%2 == 0 {
			d, t = append(d, call(direct)), append(t, call(viaTap))
		} else {
			t, d = append(t, call(viaTap)), append(d, call(direct))
		}
	}
	return d, t
}

func pct(v []float64, p int) float64 {
	s := slices.Sorted(slices.Values(v))
	return s[min(len(s)-1, len(s)*p/100)]
}

func throughput(direct, viaTap samplepb.EchoClient, count, rounds int) (d, t float64) {
	stream := func(c samplepb.EchoClient) float64 {
		start := time.Now()
		s, err := c.Count(context.Background(), &samplepb.CountRequest{Count: int32(count)})
		if err != nil {
			log.Fatal(err)
		}
		n := 0
		for ; ; n++ {
			if _, err := s.Recv(); err == io.EOF {
				break
			} else if err != nil {
				log.Fatal(err)
			}
		}
		if n != count {
			log.Fatalf("streamed %d of %d", n, count)
		}
		return float64(count) / time.Since(start).Seconds()
	}
	var ds, ts []float64
	for range rounds {
		ds, ts = append(ds, stream(direct)), append(ts, stream(viaTap))
	}
	return pct(ds, 50), pct(ts, 50)
}

// memoryWhileStreaming sends mib 1 MiB messages through Chat and reads
// them back, then reports the tap's peak resident memory (VmHWM) and its
// resident memory before.
func memoryWhileStreaming(pid int, c samplepb.EchoClient, mib int) string {
	before := procStatus(pid, "VmRSS")
	chat, err := c.Chat(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	msg := &samplepb.ChatMessage{Text: strings.Repeat("x", 1<<20)}
	done := make(chan int)
	go func() {
		n := 0
		for {
			if _, err := chat.Recv(); err != nil {
				done <- n
				return
			}
			n++
		}
	}()
	start := time.Now()
	for range mib {
		if err := chat.Send(msg); err != nil {
			log.Fatal(err)
		}
	}
	chat.CloseSend()
	if n := <-done; n != mib {
		log.Fatalf("%d of %d messages came back", n, mib)
	}
	took := time.Since(start)
	return fmt.Sprintf("%s (before: %s; %.0f MiB/s each way)", procStatus(pid, "VmHWM"), before, float64(mib)/took.Seconds())
}

// runTime is the CPU time the process's threads have run and how many
// times they were put on a CPU, from the scheduler's statistics: what the
// tap costs the CPUs it shares with its client and server, less noisy on a
// shared machine than the latencies.
func runTime(pid int) (cpu time.Duration, runs int64) {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) == 3 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			n, _ := strconv.ParseInt(f[2], 10, 64)
			cpu += time.Duration(ns)
			runs += n
		}
	}
	return cpu, runs
}

func procStatus(pid int, field string) string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
		}
	}
	return "unknown"
}
