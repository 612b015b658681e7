package owned

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// RuntimeDir is sockscope's private directory for the sockets it serves
// (the sample server's, the tap's): $XDG_RUNTIME_DIR/sockscope, or
// <temp dir>/sockscope-<uid> when XDG_RUNTIME_DIR is unset. PrepareSocketDir
// holds it to PrivateDir's rules.
func RuntimeDir() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "sockscope")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("sockscope-%d", os.Getuid()))
}

// PrepareSocketDir makes the directory a socket at path goes in. RuntimeDir
// must be a private directory of this user's (PrivateDir); another is
// created 0700 when missing, and warning says why it lets other users
// replace what is put in it (SharedDirWarning), "" when it does not.
func PrepareSocketDir(path string) (warning string, err error) {
	dir := filepath.Dir(path)
	if dir == RuntimeDir() {
		if err := PrivateDir(dir); err != nil {
			return "", fmt.Errorf("socket directory: %w", err)
		}
		return "", nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("socket directory %s: %w", dir, err)
	}
	return SharedDirWarning(dir), nil
}

// Listener is a unix socket listener whose socket file is removed only on
// Remove, and only while the path still holds that very socket.
type Listener struct {
	*net.UnixListener
	path string
	id   Identity
}

// Remove removes the socket file unless someone replaced it since it was
// bound (a second server, a regular file); note then says it was left in
// place. Call it after the listener is closed.
func (l *Listener) Remove() (note string, err error) { return RemoveIfSame(l.path, l.id) }

// ListenPrivate listens at path with a socket that no other user can
// connect to from the moment it exists (the umask covers the window before
// any chmod); its mode is 0600. The runtime's own unlink on Close, which
// goes by path alone, is off: removal is Remove's.
func ListenPrivate(path string) (*Listener, error) {
	old := setUmask(0o177)
	lis, err := net.Listen("unix", path)
	setUmask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	ul := lis.(*net.UnixListener)
	ul.SetUnlinkOnClose(false)
	id, err := IdentityOf(path)
	if err != nil {
		ul.Close()
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	return &Listener{UnixListener: ul, path: path, id: id}, nil
}
