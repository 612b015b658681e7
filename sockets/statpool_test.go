//go:build unix

package sockets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestDiscoverStatsEveryBatch: a directory too large for one getdents
// batch, a nested one and a second root are statted while they are read,
// and every socket comes out, in path order, with its own file's mode and
// identity, however the batches and the stat workers interleave.
func TestDiscoverStatsEveryBatch(t *testing.T) {
	root, other := newRoot(t), newRoot(t)
	big := filepath.Join(root, "big")
	nested := filepath.Join(root, "a", "b")
	for _, d := range []string{big, nested} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	modes := []os.FileMode{0o600, 0o640, 0o666, 0o700, 0o755}
	var paths []string
	add := func(path string) {
		makeStale(t, path)
		if err := os.Chmod(path, modes[len(paths)%len(modes)]); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	// Long names, so that the entries fill several 64 KiB batches.
	for i := range 3000 {
		add(filepath.Join(big, fmt.Sprintf("%s%05d.sock", strings.Repeat("n", 40), i)))
	}
	for i := range 5 {
		add(filepath.Join(nested, fmt.Sprintf("n%d.sock", i)))
		add(filepath.Join(other, fmt.Sprintf("o%d.sock", i)))
	}
	add(filepath.Join(root, "top.sock"))

	scan, err := Discover(context.Background(), Options{Roots: []string{root, other}, NoDefaultRoots: true, NoProbe: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Sockets) != len(paths) {
		t.Fatalf("%d sockets found, want %d", len(scan.Sockets), len(paths))
	}
	got := make([]string, len(scan.Sockets))
	for i, s := range scan.Sockets {
		got[i] = s.Path
	}
	if !slices.IsSorted(got) {
		t.Error("the sockets are not in path order")
	}
	for _, s := range scan.Sockets {
		var st syscall.Stat_t
		if err := syscall.Lstat(s.Path, &st); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%04o", st.Mode&0o777)
		if s.Owner == nil || s.Owner.Mode != want || s.Owner.UID != st.Uid {
			t.Fatalf("%s: owner %+v, want mode %s uid %d", s.Path, s.Owner, want, st.Uid)
		}
		if s.fileID != (fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}) {
			t.Fatalf("%s: file identity %+v, want inode %d", s.Path, s.fileID, st.Ino)
		}
	}
}
