package tap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"sockscope/client"
	"sockscope/internal/owned"
	"sockscope/session"
)

// DefaultDir is the tap's private directory: $XDG_RUNTIME_DIR/sockscope,
// or <temp dir>/sockscope-<uid>, the sample server's too. It holds the
// default listening socket and the records of interposed sockets.
func DefaultDir() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "sockscope")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("sockscope-%d", os.Getuid()))
}

// DefaultListenPath is where a proxy-mode tap listens when given no path.
func DefaultListenPath() string { return filepath.Join(DefaultDir(), "tap.sock") }

// socketListener is a listening socket the tap created, which it removes
// only while the path still holds it.
type socketListener struct {
	*net.UnixListener
	path    string
	id      owned.Identity
	warning string
}

func (l *socketListener) remove() (string, error) { return owned.RemoveIfSame(l.path, l.id) }

// listenSocket listens at path with mode. The default directory must be a
// private directory of this user's (created 0700 when missing); another is
// created 0700 when missing and warned about when other users may write to
// it. A stale socket at path is replaced; a live one, or any other file, is
// an error and is left alone.
func listenSocket(path string, mode fs.FileMode) (*socketListener, error) {
	dir := filepath.Dir(path)
	var warning string
	if dir == DefaultDir() {
		if err := owned.PrivateDir(dir); err != nil {
			return nil, fmt.Errorf("listen directory: %w", err)
		}
	} else {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("listen directory %s: %w", dir, err)
		}
		warning = owned.SharedDirWarning(dir)
	}
	if err := clearStale(path); err != nil {
		return nil, err
	}
	ln, err := bindPrivate(path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	ln.warning = warning
	return ln, nil
}

// bindPrivate listens at path with a socket that no other user can reach
// from the moment it exists (the umask covers the window before a chmod).
func bindPrivate(path string) (*socketListener, error) {
	old := setUmask(0o177)
	lis, err := net.Listen("unix", path)
	setUmask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	ul := lis.(*net.UnixListener)
	// Removal goes through remove, which checks the socket is still ours;
	// the runtime's own unlink on Close goes by path alone.
	ul.SetUnlinkOnClose(false)
	id, err := owned.IdentityOf(path)
	if err != nil {
		ul.Close()
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	return &socketListener{UnixListener: ul, path: path, id: id}, nil
}

// InUseError is a listen path where something already listens.
type InUseError struct {
	Path string
	PID  int // 0 when the system does not tell
}

func (e *InUseError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is already served by pid %d; choose another --listen path", e.Path, e.PID)
	}
	return fmt.Sprintf("%s is already served; choose another --listen path", e.Path)
}

// dialPath connects to the socket file at path, through session as every
// connection is made, to tell a live socket from a stale one.
func dialPath(path string) (net.Conn, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	d, err := session.NewStreamDialer(session.Config{Address: "unix:" + abs, ConnectTimeout: time.Second})
	if err != nil {
		return nil, err
	}
	return d.Dial(context.Background())
}

// clearStale removes path only when it is a socket nobody listens on.
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket; choose another --listen path", path)
	}
	conn, err := dialPath(path)
	if err == nil {
		pid := peerClient(conn).PID
		conn.Close()
		return &InUseError{Path: path, PID: pid}
	}
	if !errors.Is(err, client.ErrRefused) {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}
