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

	"sockscope/internal/owned"
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
	return filepath.Join(owned.RuntimeDir(), "sample.sock")
}

// Listener is the sample's listening socket (see owned.Listener: its file
// is removed by Remove, and only while it is still the same socket).
type Listener struct {
	*owned.Listener
	// Warning says why the socket's directory, which the user chose, lets
	// other users replace the socket; "" when it does not.
	Warning string
}

// Listen listens on a unix socket at path, private to this user: the
// socket is 0600. The default directory (see DefaultSocketPath) must be a
// private directory of this user's, created 0700 when missing and refused
// otherwise (another user could move the socket aside and receive what
// clients send); another directory is created 0700 when missing and a
// warning is set when other users may write to it. A stale socket at path
// (nothing accepts on it) is replaced; a live one is an *InUseError; any
// other file is an error wrapping ErrNotSocket and is left alone. Closing
// the listener leaves the socket file; Remove removes it.
func Listen(path string) (*Listener, error) {
	warning, err := owned.PrepareSocketDir(path)
	if err != nil {
		return nil, err
	}
	if err := clearStale(path); err != nil {
		return nil, err
	}
	lis, err := owned.ListenPrivate(path)
	if err != nil {
		return nil, err
	}
	return &Listener{Listener: lis, Warning: warning}, nil
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
