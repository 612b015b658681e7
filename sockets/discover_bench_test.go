package sockets

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDiscoverStale is passive discovery of a root holding 10,000
// stale socket files, the tree bench/scan.sh times against find -type s.
func BenchmarkDiscoverStale(b *testing.B) {
	root := newRoot(b)
	stale := filepath.Join(root, "stale")
	if err := os.Mkdir(stale, 0o700); err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(stale, fmt.Sprintf("s%05d.sock", i)), Net: "unix"})
		if err != nil {
			b.Fatal(err)
		}
		l.SetUnlinkOnClose(false)
		l.Close()
	}
	opts := Options{Roots: []string{root}, NoDefaultRoots: true, NoProbe: true}
	b.ReportAllocs()
	for b.Loop() {
		scan, err := Discover(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(scan.Sockets) != 10000 {
			b.Fatalf("found %d sockets, want 10000", len(scan.Sockets))
		}
	}
}
