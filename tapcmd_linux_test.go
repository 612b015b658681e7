//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
)

// interposeTests run with the binary TestTapProcess built: interpose mode
// needs Linux.
func interposeTests(t *testing.T, bin string) {
	t.Run("interpose", func(t *testing.T) { testTapInterpose(t, bin) })
	t.Run("crash", func(t *testing.T) { testTapCrashRestore(t, bin) })
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// testTapInterpose puts the tap in front of a running sample server: a
// connection made before keeps working untapped, new ones are tapped, and
// SIGHUP (a closed terminal) puts the server's own socket back.
func testTapInterpose(t *testing.T, bin string) {
	sock := sampletest.ServeAt(t, filepath.Join(shortDir(t), "daemon.sock"), sample.Options{Reflection: sample.ReflectionV1})
	before := inode(t, sock)
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	early := samplepb.NewEchoClient(conn)
	if _, err := early.Echo(context.Background(), &samplepb.EchoRequest{Message: "early"}); err != nil {
		t.Fatal(err)
	}

	p := startTapProcess(t, bin, "--tap", sock, "--interpose", "--format", "jsonl")
	if inode(t, sock) == before || inode(t, sock+".sockscope-tapped") != before {
		t.Fatal("the tap is not in front of the socket")
	}
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"message":"late"}`, sock).want(t, exitOK)
	if _, err := early.Echo(context.Background(), &samplepb.EchoRequest{Message: "still early"}); err != nil {
		t.Errorf("the connection made before the tap: %v", err)
	}
	if code := p.stop(t, syscall.SIGHUP); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, p.errText())
	}
	if inode(t, sock) != before {
		t.Error("the path does not hold the server's socket again")
	}
	if _, err := os.Lstat(sock + ".sockscope-tapped"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the renamed socket is still there: %v", err)
	}
	if !strings.Contains(p.errText(), "put "+sock+" back where it was") {
		t.Errorf("the tap did not say it put the socket back:\n%s", p.errText())
	}
	var seen []string
	for _, ev := range jsonLines(t, p.stdout.String()) {
		if ev["event"] == "message" && ev["method"] == "sample.v1.Echo/Echo" && ev["direction"] == "request" {
			b, _ := json.Marshal(ev["json"])
			seen = append(seen, string(b))
		}
	}
	if len(seen) != 1 || seen[0] != `{"message":"late"}` {
		t.Errorf("tapped requests %v, want only the new connection's", seen)
	}
	if _, err := early.Echo(context.Background(), &samplepb.EchoRequest{Message: "after"}); err != nil {
		t.Errorf("the early connection after the tap: %v", err)
	}
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock).want(t, exitOK)
}

// testTapCrashRestore kills an interposed tap with SIGKILL: --scan flags
// the renamed socket, and --restore puts it back.
func testTapCrashRestore(t *testing.T, bin string) {
	dir := shortDir(t)
	sock := sampletest.ServeAt(t, filepath.Join(dir, "daemon.sock"), sample.Options{})
	before := inode(t, sock)
	p := startTapProcess(t, bin, "--tap", sock, "--interpose")
	p.stop(t, os.Kill)
	if inode(t, sock+".sockscope-tapped") != before {
		t.Fatal("after the crash the server's socket is not beside the path")
	}
	if c, err := net.Dial("unix", sock); err == nil {
		c.Close()
		t.Fatal("something still answers at the path after the crash")
	}

	scan := runCLI(t, nil, "--scan", "--json", "--no-default-roots", "--root", dir).want(t, exitOK)
	if !strings.Contains(scan.stdout, "sockscope --tap "+sock+" --restore puts it back") {
		t.Errorf("--scan does not flag the renamed socket:\n%s", scan.stdout)
	}
	r := runCLI(t, nil, "--tap", sock, "--restore").want(t, exitOK)
	if !strings.Contains(r.stderr, "put "+sock+" back where it was") {
		t.Errorf("--restore said %q", r.stderr)
	}
	if inode(t, sock) != before {
		t.Error("the path does not hold the server's socket again")
	}
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock).want(t, exitOK)
	runCLI(t, nil, "--tap", sock, "--restore").want(t, exitFailure)
}
