package client

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func dialPath(t *testing.T, path string) error {
	t.Helper()
	conn, err := Dial(testContext(t), Target{Network: "unix", Address: path}, DialOptions{})
	if err == nil {
		conn.Close()
	}
	return err
}

func TestDialUnixWorksWithLocalhostAuthority(t *testing.T) {
	path, lis := listenUnix(t)
	serveAuthorityReporter(t, lis)
	conn, err := Dial(testContext(t), Target{Network: "unix", Address: path}, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := authorityOf(t, conn); got != "localhost" {
		t.Fatalf("server saw :authority %q, want localhost", got)
	}
}

func TestDialRelativePath(t *testing.T) {
	path, lis := listenUnix(t)
	serveAuthorityReporter(t, lis)
	t.Chdir(filepath.Dir(path))
	target, err := ParseAddress("./" + filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := Dial(testContext(t), target, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := authorityOf(t, conn); got != "localhost" {
		t.Fatalf("authority %q", got)
	}
}

func TestDialMissingSocket(t *testing.T) {
	path := filepath.Join(socketDir(t), "missing.sock")
	err := dialPath(t, path)
	mustErrorIs(t, err, ErrNoSuchSocket)
	mustErrorIs(t, err, fs.ErrNotExist)
	if want := "no such socket: " + path; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestDialMissingDirectory(t *testing.T) {
	dir := filepath.Join(socketDir(t), "gone")
	path := filepath.Join(dir, "deeper", "x.sock")
	err := dialPath(t, path)
	mustErrorIs(t, err, ErrNoSuchSocket)
	if want := fmt.Sprintf("no such socket: %s (directory %s does not exist)", path, dir); err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestDialRegularFile(t *testing.T) {
	path := filepath.Join(socketDir(t), "plain.txt")
	if err := os.WriteFile(path, []byte("not a socket"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := dialPath(t, path)
	mustErrorIs(t, err, ErrNotSocket)
	if want := "not a socket: " + path + " (regular file)"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestDialDirectory(t *testing.T) {
	dir := socketDir(t)
	err := dialPath(t, dir)
	mustErrorIs(t, err, ErrNotSocket)
	if !strings.Contains(err.Error(), "(directory)") {
		t.Fatalf("message %q does not say it is a directory", err)
	}
}

func TestDialStaleSocket(t *testing.T) {
	path, lis := listenUnix(t)
	lis.SetUnlinkOnClose(false)
	lis.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("socket file should remain after close: %v %v", fi, err)
	}
	err := dialPath(t, path)
	mustErrorIs(t, err, ErrRefused)
	if want := "connection refused: " + path + " (stale socket: nothing is listening)"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	var ce *ConnectError
	if !errors.As(err, &ce) || ce.Reason() != "connection refused (stale socket: nothing is listening)" {
		t.Errorf("reason without the address: %v", ce)
	}
}

func TestDialTCPLoopback(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveAuthorityReporter(t, lis)
	target, err := ParseAddress(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := Dial(testContext(t), target, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := authorityOf(t, conn); got != lis.Addr().String() {
		t.Fatalf("authority %q, want %q", got, lis.Addr())
	}
}

func TestDialTCPRefused(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	_, err = Dial(testContext(t), Target{Network: "tcp", Address: addr}, DialOptions{})
	mustErrorIs(t, err, ErrRefused)
	if want := "connection refused: " + addr + " (nothing is listening)"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestDialCancelledContext(t *testing.T) {
	path, lis := listenUnix(t)
	serveAuthorityReporter(t, lis)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Dial(ctx, Target{Network: "unix", Address: path}, DialOptions{})
	mustErrorIs(t, err, context.Canceled)
}
