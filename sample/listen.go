package sample

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// ErrNotSocket is returned (wrapped) by Listen when the path holds a file that
// is not a socket; that file is never touched.
var ErrNotSocket = errors.New("not a socket")

// InUseError is returned by Listen when a live server already listens on the path.
type InUseError struct {
	Path string
	PID  int // 0 when the OS does not tell
}

func (e *InUseError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is already served by pid %d", e.Path, e.PID)
	}
	return fmt.Sprintf("%s is already served", e.Path)
}

// DefaultSocketPath is $XDG_RUNTIME_DIR/sockscope/sample.sock, or
// <temp dir>/sockscope-<uid>/sample.sock when XDG_RUNTIME_DIR is unset.
func DefaultSocketPath() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "sockscope", "sample.sock")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("sockscope-%d", os.Getuid()), "sample.sock")
}

// Listen listens on a unix socket at path, private to this user: the
// directory is created 0700 when missing and the socket is 0600. A stale
// socket at path (nothing accepts on it) is replaced; a live one is an
// *InUseError; any other file is an error wrapping ErrNotSocket and is left
// alone. Closing the listener removes the socket file.
func Listen(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("socket directory %s: %w", dir, err)
	}
	if err := clearStale(path); err != nil {
		return nil, err
	}
	// The umask keeps the socket private from the moment it exists, so no
	// other user can connect in the window before Chmod.
	old := syscallUmask(0o177)
	lis, err := net.Listen("unix", path)
	syscallUmask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		lis.Close()
		return nil, fmt.Errorf("chmod %s: %w", path, err)
	}
	lis.(*net.UnixListener).SetUnlinkOnClose(true)
	return lis, nil
}

// clearStale removes path only when it is a socket nobody listens on.
func clearStale(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if st.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is %w; choose another --socket path", path, ErrNotSocket)
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		pid := peerPID(conn)
		conn.Close()
		return &InUseError{Path: path, PID: pid}
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}
