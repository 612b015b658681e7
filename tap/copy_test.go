package tap

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"sockscope/sample/sampletest"
)

// unixPair is a connected pair of unix stream sockets.
func unixPair(t *testing.T, name string) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	ln, err := net.Listen("unix", filepath.Join(sampletest.ShortDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	dialed, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := <-accepted
	if c == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { dialed.Close(); c.Close() })
	return dialed.(*net.UnixConn), c.(*net.UnixConn)
}

// hiddenFD is a connection without SyscallConn, as a TLS one is, so that
// the tap falls back to copy. Embedding the interface promotes only
// net.Conn's methods.
type hiddenFD struct {
	net.Conn
	uc *net.UnixConn
}

func (h hiddenFD) CloseWrite() error { return h.uc.CloseWrite() }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	return b
}

// TestForwardingBothWays: the event loop (Linux) and the portable copies
// (a connection without a descriptor) each forward a few MiB both ways
// unchanged while the receiving side holds back at first, so that writes
// find the sockets' buffers full; pass each end of stream on as a
// half-close, so that the answer still comes back after the request's end;
// and queue for the parser exactly the bytes they forwarded, in order.
func TestForwardingBothWays(t *testing.T) {
	request, answer := randomBytes(3<<20), randomBytes(2<<20)
	for _, loop := range []bool{true, false} {
		client, down := unixPair(t, "d.sock")
		up, server := unixPair(t, "u.sock")
		tc := &tapConn{down: down, up: up, feed: make(chan chunk, feedChunks), hurry: make(chan struct{}, 1)}
		if !loop {
			tc.down, tc.up = hiddenFD{down, down}, hiddenFD{up, up}
		}
		fed := make(chan [2][]byte)
		go func() {
			var all [2][]byte
			for c := range tc.feed {
				tc.queued.Add(-int64(len(c.data)))
				all[c.dir] = append(all[c.dir], c.data...)
			}
			fed <- all
		}()
		forwarded := make(chan bool)
		go func() { forwarded <- tc.carry() }()
		go func() {
			client.Write(request)
			client.CloseWrite()
		}()
		time.Sleep(100 * time.Millisecond) // the server holds back
		got, err := io.ReadAll(server)
		if err != nil || !bytes.Equal(got, request) {
			t.Fatalf("loop %v: %d bytes of the request forwarded of %d, or different ones (%v)", loop, len(got), len(request), err)
		}
		go func() {
			server.Write(answer)
			server.CloseWrite()
		}()
		got, err = io.ReadAll(client)
		if err != nil || !bytes.Equal(got, answer) {
			t.Fatalf("loop %v: %d bytes of the answer came back of %d, or different ones (%v)", loop, len(got), len(answer), err)
		}
		if byLoop := <-forwarded; byLoop != (loop && runtime.GOOS == "linux") {
			t.Fatalf("loop %v: forwarded by the event loop: %v", loop, byLoop)
		}
		close(tc.feed)
		all := <-fed
		if !bytes.Equal(all[fromClient], request) || !bytes.Equal(all[fromServer], answer) {
			t.Fatalf("loop %v: the parser was fed %d and %d bytes, or different ones", loop, len(all[fromClient]), len(all[fromServer]))
		}
		if a, b := tc.bytes[fromClient].Load(), tc.bytes[fromServer].Load(); a != int64(len(request)) || b != int64(len(answer)) {
			t.Errorf("loop %v: %d and %d bytes counted", loop, a, b)
		}
	}
}

// TestForwardingCut: closing a connection the tap carries, as Stop does,
// ends its forwarding even while nothing passes, and both peers see their
// connection end.
func TestForwardingCut(t *testing.T) {
	client, down := unixPair(t, "d.sock")
	up, server := unixPair(t, "u.sock")
	tc := &tapConn{down: down, up: up, feed: make(chan chunk, feedChunks), hurry: make(chan struct{}, 1)}
	forwarded := make(chan bool)
	go func() { forwarded <- tc.forward() }()
	// A round trip first, so that the loop is running when it is cut.
	client.Write([]byte("ping"))
	if _, err := io.ReadFull(server, make([]byte, 4)); err != nil {
		t.Fatalf("the ping did not pass: %v", err)
	}
	tc.close()
	select {
	case <-forwarded:
	case <-time.After(10 * time.Second):
		t.Fatal("the forwarding did not end when its connection was closed")
	}
	for name, c := range map[string]net.Conn{"client": client, "server": server} {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 {
			t.Errorf("the %s's connection did not end: %d bytes, %v", name, n, err)
		}
	}
}
