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

// DefaultDir is the tap's private directory, the sample server's too
// (owned.RuntimeDir). It holds the default listening socket and the records
// of interposed sockets.
func DefaultDir() string { return owned.RuntimeDir() }

// DefaultListenPath is where a proxy-mode tap listens when given no path.
func DefaultListenPath() string { return filepath.Join(DefaultDir(), "tap.sock") }

// socketListener is a listening socket the tap created, which it removes
// only while the path still holds it.
type socketListener struct {
	*owned.Listener
	warning string
}

func (l *socketListener) remove() (string, error) { return l.Remove() }

// listenSocket listens at path with mode. The default directory must be a
// private directory of this user's (created 0700 when missing); another is
// created 0700 when missing and warned about when other users may write to
// it. A stale socket at path is replaced; a live one, or any other file, is
// an error and is left alone.
func listenSocket(path string, mode fs.FileMode) (*socketListener, error) {
	warning, err := owned.PrepareSocketDir(path)
	if err != nil {
		return nil, err
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
		ln.remove()
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	ln.warning = warning
	return ln, nil
}

// bindPrivate listens at path with a socket that no other user can reach
// from the moment it exists.
func bindPrivate(path string) (*socketListener, error) {
	ln, err := owned.ListenPrivate(path)
	if err != nil {
		return nil, err
	}
	return &socketListener{Listener: ln}, nil
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
