package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"sockscope/sample"
	"sockscope/sockets"
	"sockscope/sockets/socketstest"
)

// TestScanCutShortIsNotSuccess: a scan that Ctrl-C or --max-time ends
// before every probe finished exits non-zero and names the unfinished
// sockets "pending", never with an empty kind.
func TestScanCutShortIsNotSuccess(t *testing.T) {
	root := shortDir(t)
	socketstest.ServeConns(t, socketstest.Listen(t, filepath.Join(root, "silent.sock")), func(c net.Conn) { io.Copy(io.Discard, c) })
	opts := scanOpts(root)
	opts.ProbeTimeout = time.Minute
	opts.json = true

	for _, c := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want int
	}{
		{"interrupted", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			return ctx, cancel
		}, exitInterrupted},
		{"out of time", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}, exitFailure},
	} {
		ctx, cancel := c.ctx()
		var out, errOut bytes.Buffer
		code := runScan(ctx, opts, &out, &errOut)
		cancel()
		if code != c.want || !strings.Contains(errOut.String(), "1 of 1 sockets are still pending") {
			t.Errorf("%s: exit %d (want %d), stderr %q", c.name, code, c.want, errOut.String())
		}
		var rows []map[string]any
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 1 || rows[0]["kind"] != "pending" {
			t.Errorf("%s: JSON %s (%v), want one pending row", c.name, out.String(), err)
		}
	}
}

// TestScanNonUTF8Name: a 0xff byte in a socket's name (the table writer's
// escape byte) neither breaks the table nor loses the name in JSON.
func TestScanNonUTF8Name(t *testing.T) {
	root := shortDir(t)
	name := "odd\xffname.sock"
	socketstest.ServeConns(t, socketstest.Listen(t, filepath.Join(root, name)), func(c net.Conn) { io.Copy(io.Discard, c) })
	socketstest.ServeHTTP1(t, filepath.Join(root, "plain.sock"))
	opts := scanOpts(root)
	opts.NoProbe = true

	var table, errOut bytes.Buffer
	if code := runScan(context.Background(), opts, &table, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(table.String(), `odd\xffname.sock`) || !strings.Contains(table.String(), "plain.sock") || strings.Contains(table.String(), "\xff") {
		t.Errorf("table:\n%s", table.String())
	}

	opts.json = true
	var out bytes.Buffer
	runScan(context.Background(), opts, &out, &errOut)
	var rows []sockets.Socket
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if r.PathBase64 == "" {
			continue
		}
		exact, err := base64.StdEncoding.DecodeString(r.PathBase64)
		if err != nil || string(exact) != filepath.Join(root, name) || r.Path != filepath.Join(root, `odd\xffname.sock`) {
			t.Errorf("path %q, path_base64 %q (%q)", r.Path, r.PathBase64, exact)
		}
		found = true
	}
	if !found {
		t.Errorf("no row has path_base64:\n%s", out.String())
	}
}

// TestScanHugePeerMessageBounded: a peer's 10 MB health error message
// cannot blow up the table.
func TestScanHugePeerMessageBounded(t *testing.T) {
	root := shortDir(t)
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		return status.Error(codes.Internal, strings.Repeat("\x1b[2J", 10<<20/4))
	}))
	go srv.Serve(socketstest.Listen(t, filepath.Join(root, "huge.sock")))
	t.Cleanup(srv.Stop)
	var out, errOut bytes.Buffer
	runScan(context.Background(), scanOpts(root), &out, &errOut)
	if out.Len()+errOut.Len() > 1<<20 || strings.Contains(out.String(), "\x1b[2J") {
		t.Errorf("scan printed %d bytes (and %d on stderr):\n%.2000s", out.Len(), errOut.Len(), out.String())
	}
	if !strings.Contains(out.String(), "huge.sock") {
		t.Errorf("the socket is missing:\n%.2000s", out.String())
	}
}

// serveHelperEnv makes the test binary, run again as a child, serve the
// sample at the path it names instead of running tests: a process of its
// own, whose command line the scan reads.
const serveHelperEnv = "SOCKSCOPE_TEST_SERVE"

func serveHelper(path string) int {
	// Any local user can name a process so; the scan must not pass it on.
	os.WriteFile("/proc/self/comm", []byte("ev\x1b]2;il\x07"), 0)
	lis, err := sample.Listen(path)
	if err != nil {
		return 1
	}
	sample.NewServer(sample.Options{}).Serve(lis)
	return 0
}

// TestScanMasksSecretArguments: a serving process's command-line value of
// a secret-looking flag is masked in the scan, and its name's escape
// sequences are shown escaped.
func TestScanMasksSecretArguments(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process command lines come from /proc")
	}
	root := shortDir(t)
	sock := filepath.Join(root, "agent.sock")
	child := exec.Command(os.Args[0], "--token", "TOPSECRET", "--password=hunter2", "--socket", sock)
	child.Env = append(os.Environ(), serveHelperEnv+"="+sock)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	opts := scanOpts(root)
	opts.json = true
	var out, errOut bytes.Buffer
	runScan(context.Background(), opts, &out, &errOut)
	var rows []struct {
		Process struct{ Cmdline string } `json:"process"`
	}
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("scan JSON (%v):\n%s", err, out.String())
	}
	if cmdline := rows[0].Process.Cmdline; strings.Contains(out.String(), "TOPSECRET") || strings.Contains(out.String(), "hunter2") ||
		!strings.Contains(cmdline, "--token <masked> --password=<masked> --socket") {
		t.Errorf("the process's command line in the scan: %q", cmdline)
	}
	opts.json = false
	out.Reset()
	runScan(context.Background(), opts, &out, &errOut)
	if strings.ContainsAny(out.String(), "\x1b\x07") || !strings.Contains(out.String(), `ev\x1b]2;il\x07`) {
		t.Errorf("a process name with escape sequences in the table:\n%q", out.String())
	}
}
