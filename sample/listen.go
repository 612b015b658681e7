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
	return filepath.Join(defaultDir(), "sample.sock")
}

func defaultDir() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "sockscope")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("sockscope-%d", os.Getuid()))
}

// Listener is a unix socket listener that removes its socket file when
// asked, and only while the path still holds that very socket.
type Listener struct {
	*net.UnixListener
	path string
	id   owned.Identity
	// Warning says why the socket's directory, which the user chose, lets
	// other users replace the socket; "" when it does not.
	Warning string
}

// Remove removes the socket file unless someone replaced it since Listen
// (a second server, a regular file); note then says it was left in place.
// Call it after the server stopped.
func (l *Listener) Remove() (note string, err error) {
	return owned.RemoveIfSame(l.path, l.id)
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
	dir := filepath.Dir(path)
	var warning string
	if dir == defaultDir() {
		if err := owned.PrivateDir(dir); err != nil {
			return nil, fmt.Errorf("socket directory: %w", err)
		}
	} else {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("socket directory %s: %w", dir, err)
		}
		warning = owned.SharedDirWarning(dir)
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
	ul := lis.(*net.UnixListener)
	// Removal goes through Remove, which checks the socket is still ours;
	// the runtime's own unlink on Close goes by path alone.
	ul.SetUnlinkOnClose(false)
	id, err := owned.IdentityOf(path)
	if err == nil {
		err = os.Chmod(path, 0o600)
	}
	if err != nil {
		lis.Close()
		os.Remove(path)
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	return &Listener{UnixListener: ul, path: path, id: id, Warning: warning}, nil
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
