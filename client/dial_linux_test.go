package client

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestDialAbstractSocket(t *testing.T) {
	name := fmt.Sprintf("@sockscope-client-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	lis, err := net.Listen("unix", name)
	if err != nil {
		t.Fatal(err)
	}
	serveAuthorityReporter(t, lis)
	target, err := ParseAddress(name)
	if err != nil {
		t.Fatal(err)
	}
	if !target.Abstract {
		t.Fatalf("%q parsed as %+v", name, target)
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

func TestDialAbstractNothingListening(t *testing.T) {
	name := fmt.Sprintf("@sockscope-client-test-none-%d-%d", os.Getpid(), time.Now().UnixNano())
	_, err := Dial(testContext(t), Target{Network: "unix", Address: name, Abstract: true}, DialOptions{})
	mustErrorIs(t, err, ErrRefused)
	if want := "connection refused: " + name + " (nothing is listening)"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

// listenWithBacklog creates a listening socket with the smallest backlog and
// never accepts, so a few connections fill it.
func listenWithBacklog(t *testing.T, domain int, sa syscall.Sockaddr) int {
	t.Helper()
	fd, err := syscall.Socket(domain, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, sa); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	return fd
}

func TestDialUnixBacklogFull(t *testing.T) {
	path := filepath.Join(socketDir(t), "full.sock")
	listenWithBacklog(t, syscall.AF_UNIX, &syscall.SockaddrUnix{Name: path})
	full := false
	for range 64 {
		conn, err := net.DialTimeout("unix", path, time.Second)
		if err != nil {
			full = true
			break
		}
		t.Cleanup(func() { conn.Close() })
	}
	if !full {
		t.Skip("could not fill the accept backlog of a unix socket")
	}
	// Linux fails a non-blocking connect to a full unix backlog at once
	// (EAGAIN) rather than letting it hang.
	_, err := Dial(testContext(t), Target{Network: "unix", Address: path}, DialOptions{})
	mustErrorIs(t, err, ErrBusy)
	if want := "server busy: " + path + " (its accept backlog is full; it is not accepting connections)"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

// TestDialTCPBacklogFull covers a connect that hangs: loopback TCP drops SYNs
// while the accept queue is full, so only the connect timeout ends the wait.
func TestDialTCPBacklogFull(t *testing.T) {
	fd := listenWithBacklog(t, syscall.AF_INET, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	full := false
	for range 64 {
		conn, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
		if err != nil {
			full = true
			break
		}
		t.Cleanup(func() { conn.Close() })
	}
	if !full {
		t.Skip("could not fill the accept backlog of a loopback TCP socket")
	}
	_, err = Dial(testContext(t), Target{Network: "tcp", Address: addr}, DialOptions{ConnectTimeout: 300 * time.Millisecond})
	mustErrorIs(t, err, ErrConnectTimeout)
	if want := "connect timeout after 300ms: " + addr; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

// TestDialDatagramSocket: a datagram socket is no place for gRPC, and the
// error says so instead of quoting the system's "protocol wrong type".
func TestDialDatagramSocket(t *testing.T) {
	path := filepath.Join(socketDir(t), "dgram.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	err = dialPath(t, path)
	mustErrorIs(t, err, ErrNotStream)
	if want := "not a stream socket: " + path + " (gRPC needs a stream socket)"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}
