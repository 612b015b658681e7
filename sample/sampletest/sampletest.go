// Package sampletest starts the bundled sample server for tests of every
// package, on a socket in a short private directory (socket paths are
// limited to about 104 bytes on macOS and 108 on Linux, and t.TempDir
// holds the test's name).
package sampletest

import (
	"os"
	"path/filepath"
	"testing"

	"sockscope/sample"
)

// ShortDir is a new private directory with a short path, removed when the
// test ends.
func ShortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ss")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Serve starts the sample server with opts on a fresh socket and returns
// its path; the server stops when the test ends.
func Serve(t testing.TB, opts sample.Options) string {
	t.Helper()
	return ServeAt(t, filepath.Join(ShortDir(t), "s.sock"), opts)
}

// ServeAt starts the sample server with opts at path.
func ServeAt(t testing.TB, path string, opts sample.Options) string {
	t.Helper()
	lis, err := sample.Listen(path)
	if err != nil {
		t.Fatalf("listen %s: %v", path, err)
	}
	srv := sample.NewServer(opts)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return path
}
