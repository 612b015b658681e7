//go:build unix

package owned

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenPrivateFileCreatesAndAccepts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	f, err := OpenPrivateFile(path, os.O_RDWR|os.O_APPEND)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("one\n")
	f.Close()
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("created %v, %v; want a 0600 file", fi, err)
	}
	f, err = OpenPrivateFile(path, os.O_RDWR|os.O_APPEND)
	if err != nil {
		t.Fatalf("the second use of our own file: %v", err)
	}
	f.Close()
}

func TestOpenPrivateFileRefuses(t *testing.T) {
	base := t.TempDir()
	loose := filepath.Join(base, "loose")
	if err := os.WriteFile(loose, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(loose, 0o644)
	target := filepath.Join(base, "target")
	if err := os.WriteFile(target, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "dir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{loose, "its mode is 0644"},
		{link, "it is a symbolic link"},
		{dir, "it is not a regular file"},
	}
	if os.Geteuid() == 0 {
		theirs := filepath.Join(base, "theirs")
		if err := os.WriteFile(theirs, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(theirs, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct{ path, want string }{theirs, "it is owned by uid 4242"})
	} else {
		t.Log("not root: cannot give a file to another user, so the owner check is not tried")
	}
	for _, c := range cases {
		f, err := OpenPrivateFile(c.path, os.O_RDWR|os.O_APPEND)
		if err == nil {
			f.Close()
		}
		if !errors.Is(err, ErrNotPrivateFile) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a refusal saying %q", filepath.Base(c.path), err, c.want)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "x" {
		t.Errorf("the symlink's target was changed: %q", b)
	}
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o644 {
		t.Errorf("the refused file's mode changed to %v", fi.Mode())
	}
}
