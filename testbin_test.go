package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// builtBinary is sockscope built once for the tests that run it as a user
// would (a process of its own: signals, shells, tmux), shared by all of
// them since each build takes seconds; removeBuiltBinary deletes it after
// the tests.
var builtBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ssbin")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "sockscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

var binDir string

// buildSockscope is the built binary; the test fails when it cannot be built.
func buildSockscope(t *testing.T) string {
	t.Helper()
	bin, err := builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func removeBuiltBinary() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}
