//go:build unix

package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const permissionSocketEnv = "SOCKSCOPE_CLIENT_TEST_SOCKET"

func init() {
	// Runs in a copy of the test binary started as an unprivileged user.
	helpers["dial-permission"] = func() int {
		target := Target{Network: "unix", Address: os.Getenv(permissionSocketEnv)}
		conn, err := Dial(context.Background(), target, DialOptions{})
		if err == nil {
			conn.Close()
			fmt.Println("dial succeeded")
			return 1
		}
		fmt.Println(err)
		if !errors.Is(err, ErrPermission) {
			return 1
		}
		return 0
	}
}

func TestDialPermissionDenied(t *testing.T) {
	path, lis := listenUnix(t)
	serveAuthorityReporter(t, lis)
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("permission denied: %s (owner uid %d gid %d, mode 0000)", path, os.Getuid(), os.Getgid())

	if os.Geteuid() != 0 {
		err := dialPath(t, path)
		mustErrorIs(t, err, ErrPermission)
		if err.Error() != want {
			t.Fatalf("message %q, want %q", err, want)
		}
		return
	}

	// Root bypasses file permissions, so check from a copy of this test binary
	// running as nobody.
	if err := os.Chmod(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := dialAsNobody(t, path); got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
}

func TestDialPermissionDeniedOnDirectory(t *testing.T) {
	path, lis := listenUnix(t)
	serveAuthorityReporter(t, lis)
	dir := filepath.Dir(path)
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("permission denied: %s (directory %s: owner uid %d gid %d, mode 0700)", path, dir, os.Getuid(), os.Getgid())
	if os.Geteuid() != 0 {
		err := dialPath(t, path)
		mustErrorIs(t, err, ErrPermission)
		if err.Error() != want {
			t.Fatalf("message %q, want %q", err, want)
		}
		return
	}
	if got := dialAsNobody(t, path); got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
}

// dialAsNobody dials path from a copy of the test binary running as uid
// 65534 and returns the error message it printed; the helper must have seen
// ErrPermission.
func dialAsNobody(t *testing.T, path string) string {
	t.Helper()
	const nobody = 65534
	cmd := exec.Command(copyTestBinary(t))
	cmd.Env = append(os.Environ(), helperEnv+"=dial-permission", permissionSocketEnv+"="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Skipf("running as root and cannot start a helper as uid %d to test permissions: %v", nobody, err)
	}
	got := strings.TrimSpace(string(out))
	if err != nil {
		t.Fatalf("helper as uid %d: %v: %s", nobody, err, got)
	}
	return got
}

// copyTestBinary copies the running test binary where another user can run it
// (the go build directory is private to its owner).
func copyTestBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Skipf("cannot find the test binary: %v", err)
	}
	dir := socketDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dstPath := filepath.Join(dir, "client.test")
	dst, err := os.OpenFile(dstPath, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return dstPath
}
