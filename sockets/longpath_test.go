package sockets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sockscope/sockets/socketstest"
)

// TestPathTooLong is finding 10 of issue 13: a socket whose path is longer
// than a socket address holds cannot be connected to by it; --scan says so,
// with the limit and the way around it.
func TestPathTooLong(t *testing.T) {
	root := newRoot(t)
	short := filepath.Join(root, "s.sock")
	socketstest.Listen(t, short)
	deep := filepath.Join(root, strings.Repeat("d", 120))
	if err := os.Mkdir(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(deep, "s.sock")
	// A socket file keeps its listener when renamed, as when a directory
	// above it is moved to a longer name.
	if err := os.Rename(short, long); err != nil {
		t.Fatal(err)
	}
	_, got := scanAll(t, rootOnly(root))
	s, ok := got[long]
	if !ok {
		t.Fatalf("%s not found: %v", long, got)
	}
	if s.Kind != KindUnprobed || !strings.Contains(s.Hint, "socket path too long") || !strings.Contains(s.Hint, "allows at most") ||
		!strings.Contains(s.Hint, "cd "+deep+" && sockscope … ./s.sock") {
		t.Errorf("a socket at a path too long: kind %s, hint %q", s.Kind, s.Hint)
	}
}
