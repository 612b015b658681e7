package sockets

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
)

// relativeBindEnv makes this test binary, run again as a child, bind a
// socket by a relative path in the directory it names, as etcd binds
// unix://etcd.sock:0 in its working directory, and serve gRPC on it.
const relativeBindEnv = "SOCKSCOPE_TEST_RELATIVE_BIND"

func TestRelativeBindHelper(t *testing.T) {
	dir := os.Getenv(relativeBindEnv)
	if dir == "" {
		t.Skip("the child of TestRelativePathSocket")
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", "etcd.sock:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	grpc_health_v1.RegisterHealthServer(srv, health.NewServer())
	os.Stdout.WriteString("ready\n")
	go func() { // ends with the parent
		bufio.NewReader(os.Stdin).ReadString('\n')
		srv.Stop()
	}()
	srv.Serve(l)
}

// startRelativeBinder runs this test binary again as a child that binds
// etcd.sock:0 in dir, and returns its pid once it listens.
func startRelativeBinder(t *testing.T, dir string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRelativeBindHelper$")
	cmd.Env = append(os.Environ(), relativeBindEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("the child did not listen: %q %v", line, err)
	}
	return cmd.Process.Pid
}

// TestRelativePathSocket is finding 5 of issue 13: a socket bound by a
// relative path shows in /proc/net/unix without its directory, and is
// matched to its file through the listening process's working directory,
// also when two processes bind the same name in two directories.
func TestRelativePathSocket(t *testing.T) {
	haveProc(t)
	root := newRoot(t)
	pids := map[string]int{}
	for _, name := range []string{"a", "b"} {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		pids[filepath.Join(dir, "etcd.sock:0")] = startRelativeBinder(t, dir)
	}
	for _, noProbe := range []bool{false, true} {
		opts := rootOnly(root)
		opts.NoProbe = noProbe
		_, got := scanAll(t, opts)
		for path, pid := range pids {
			s, ok := got[path]
			switch {
			case !ok:
				t.Fatalf("no probe %v: %s not found in %v", noProbe, path, got)
			case s.SocketType != TypeStream || s.Listening == nil || !*s.Listening:
				t.Errorf("no probe %v: type %q listening %v, want a listening stream socket", noProbe, s.SocketType, s.Listening)
			case s.Process == nil || s.Process.PID != pid:
				t.Errorf("no probe %v: %s process %+v, want pid %d", noProbe, path, s.Process, pid)
			case !noProbe && s.Kind != KindGRPC, noProbe && s.Kind != KindUnprobed:
				t.Errorf("no probe %v: kind %s", noProbe, s.Kind)
			}
		}
	}
}
