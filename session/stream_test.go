package session

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"

	"sockscope/client"
	"sockscope/sample"
	"sockscope/sample/sampletest"
)

func TestStreamDialer(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{})
	d, err := NewStreamDialer(Config{Address: sock})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := d.Dial(context.Background())
	if err != nil {
		t.Fatalf("dial the sample server: %v", err)
	}
	conn.Close()

	stale := filepath.Join(sampletest.ShortDir(t), "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	d, _ = NewStreamDialer(Config{Address: stale})
	var ce *client.ConnectError
	if _, err := d.Dial(context.Background()); !errors.As(err, &ce) || !errors.Is(err, client.ErrRefused) {
		t.Errorf("a stale socket: %v, want a ConnectError saying it is refused", err)
	}
	var usage *UsageError
	if _, err := NewStreamDialer(Config{Address: "nonsense"}); !errors.As(err, &usage) {
		t.Errorf("a bad address: %v, want a UsageError", err)
	}
}
