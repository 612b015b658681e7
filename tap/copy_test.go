package tap

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

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
// copy takes its portable path.
// Embedding the interface promotes only net.Conn's methods.
type hiddenFD struct {
	net.Conn
	uc *net.UnixConn
}

func (h hiddenFD) CloseWrite() error { return h.uc.CloseWrite() }

// TestCopyForwardsAndFeeds: both ways of copying (raw system calls on
// Linux, the portable loop for a connection without a descriptor) forward
// every byte unchanged, pass the end of stream on as a half-close, and
// queue for the parser exactly the bytes they forwarded, in order.
func TestCopyForwardsAndFeeds(t *testing.T) {
	payload := make([]byte, 3<<20)
	for i := range payload {
		payload[i] = byte(rand.IntN(256))
	}
	for _, raw := range []bool{true, false} {
		client, down := unixPair(t, "d.sock")
		up, server := unixPair(t, "u.sock")
		var src, dst net.Conn = down, up
		if !raw {
			src, dst = hiddenFD{down, down}, hiddenFD{up, up}
			if _, ok := src.(syscall.Conn); ok {
				t.Fatal("the wrapper still exposes a descriptor")
			}
		}
		tc := &tapConn{down: down, up: up, feed: make(chan chunk, feedChunks), hurry: make(chan struct{}, 1)}
		fed := make(chan []byte)
		go func() {
			var all []byte
			for c := range tc.feed {
				tc.queued.Add(-int64(len(c.data)))
				all = append(all, c.data...)
			}
			fed <- all
		}()
		copied := make(chan bool)
		go func() {
			if raw && runtime.GOOS == "linux" {
				copied <- tc.rawCopy(fromClient, src, dst)
				return
			}
			tc.copy(fromClient, src, dst)
			copied <- true
		}()
		go func() {
			client.Write(payload)
			client.CloseWrite()
		}()
		got, err := io.ReadAll(server)
		if err != nil {
			t.Fatalf("raw %v: reading what was forwarded: %v", raw, err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("raw %v: %d bytes forwarded of %d, or different ones", raw, len(got), len(payload))
		}
		if ok := <-copied; !ok {
			t.Fatalf("raw %v: the raw copy did not take unix sockets", raw)
		}
		// A half-close, not a close: the answer can still go back.
		if _, err := server.Write([]byte("answer")); err != nil {
			t.Fatalf("raw %v: %v", raw, err)
		}
		answer := make([]byte, 6)
		if _, err := io.ReadFull(up, answer); err != nil || string(answer) != "answer" {
			t.Fatalf("raw %v: the upstream connection was closed, not half-closed", raw)
		}
		close(tc.feed)
		if all := <-fed; !bytes.Equal(all, payload) {
			t.Fatalf("raw %v: the parser was fed %d bytes of %d, or different ones", raw, len(all), len(payload))
		}
		if n := tc.bytes[fromClient].Load(); n != int64(len(payload)) {
			t.Errorf("raw %v: %d bytes counted", raw, n)
		}
	}
}
