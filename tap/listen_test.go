//go:build unix

package tap

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sockscope/sample"
	"sockscope/sample/sampletest"
)

func TestListenSocket(t *testing.T) {
	dir := sampletest.ShortDir(t)
	path := filepath.Join(dir, "sub", "t.sock")
	ln, err := listenSocket(path, 0o660)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket %v, %v; want mode 0660", fi, err)
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("created directory mode %v, want 0700", fi.Mode().Perm())
	}
	// A second tap on the same path finds it live.
	var inUse *InUseError
	if _, err := listenSocket(path, 0o600); !errors.As(err, &inUse) || (isLinux && inUse.PID != os.Getpid()) {
		t.Errorf("a live listen path: %v", err)
	}
	ln.Close()
	// Closed, it is stale and replaced.
	ln2, err := listenSocket(path, 0o600)
	if err != nil {
		t.Fatalf("a stale listen path: %v", err)
	}
	if note, err := ln2.remove(); note != "" || err != nil {
		t.Errorf("remove: %q, %v", note, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket is still there: %v", err)
	}

	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("keep"), 0o600)
	if _, err := listenSocket(file, 0o600); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("a regular file at the listen path: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Error("the file was touched")
	}

	shared := filepath.Join(dir, "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o777)
	ln3, err := listenSocket(filepath.Join(shared, "t.sock"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer ln3.Close()
	if !strings.Contains(ln3.warning, "writable by other users") {
		t.Errorf("a shared directory's warning: %q", ln3.warning)
	}
}

func TestDefaultListenDirMustBePrivate(t *testing.T) {
	runtime := sampletest.ShortDir(t)
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	if err := os.Mkdir(DefaultDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(DefaultDir(), 0o755)
	sock := sampletest.Serve(t, sample.Options{})
	_, err := Start(t.Context(), Config{Upstream: sessionConfig(sock)})
	if err == nil || !strings.Contains(err.Error(), "refusing to use "+DefaultDir()) {
		t.Errorf("a default directory open to others: %v", err)
	}
}
