//go:build unix

package owned

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrivateDirCreatesAndAccepts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "sockscope")
	if err := PrivateDir(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("created %v, %v; want a 0700 directory", fi, err)
	}
	if err := PrivateDir(dir); err != nil {
		t.Errorf("the second use of our own directory: %v", err)
	}
}

func TestPrivateDirRefuses(t *testing.T) {
	base := t.TempDir()
	loose := filepath.Join(base, "loose")
	if err := os.Mkdir(loose, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o777); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(base, "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{loose, "its mode is 0777"},
		{link, "it is a symbolic link"},
		{file, "it is not a directory"},
	} {
		err := PrivateDir(c.path)
		if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a refusal saying %q", filepath.Base(c.path), err, c.want)
		}
	}
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o777 {
		t.Errorf("the refused directory's mode changed to %v", fi.Mode())
	}
}

func TestPrivateDirRefusesAnotherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	dir := filepath.Join(t.TempDir(), "theirs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	err := PrivateDir(dir)
	if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "owned by") || !strings.Contains(err.Error(), "65534") {
		t.Errorf("another user's directory: %v", err)
	}
}

func TestSharedDirWarning(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if w := SharedDirWarning(dir); !strings.Contains(w, "writable by other users (mode 0777, no sticky bit)") {
		t.Errorf("a 0777 directory: %q", w)
	}
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if w := SharedDirWarning(dir); w != "" {
		t.Errorf("a sticky directory like /tmp: %q, want no warning", w)
	}
}

func TestRemoveIfSame(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s")
	if err := os.WriteFile(path, []byte("ours"), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := IdentityOf(path)
	if err != nil {
		t.Fatal(err)
	}
	// Someone moves ours aside and puts their own file in its place.
	if err := os.Rename(path, path+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	note, err := RemoveIfSame(path, id)
	if err != nil || !strings.Contains(note, "left "+path+" in place") {
		t.Errorf("a replaced file: note %q, err %v", note, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "theirs" {
		t.Errorf("the replacement was touched: %q", b)
	}
	id, _ = IdentityOf(path)
	if note, err := RemoveIfSame(path, id); note != "" || err != nil {
		t.Errorf("our own file: note %q, err %v", note, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("our own file is still there: %v", err)
	}
}
