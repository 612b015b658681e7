package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSampleServerPathTooLong is finding 10 of issue 13: a socket path
// over the limit is named too long, with the limit and a shorter place.
func TestSampleServerPathTooLong(t *testing.T) {
	long := filepath.Join(shortDir(t), strings.Repeat("x", 110)+".sock")
	r := runCLI(t, nil, "--sample-server", "--socket", long).want(t, exitFailure)
	if !strings.Contains(r.stderr, "socket path too long: "+long) || !strings.Contains(r.stderr, "allows at most") ||
		!strings.Contains(r.stderr, "choose a shorter directory") {
		t.Errorf("--sample-server on a path too long:\n%s", r.stderr)
	}
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", long).want(t, exitFailure)
	if !strings.Contains(r.stderr, "socket path too long") || !strings.Contains(r.stderr, "relative path") {
		t.Errorf("--call on a path too long:\n%s", r.stderr)
	}
}
