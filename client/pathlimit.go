package client

import (
	"fmt"
	"path/filepath"
	"runtime"
)

// MaxSocketPath is the longest socket file path, in bytes, that this
// system can bind or connect to: sockaddr_un holds 108 bytes on Linux and
// Windows and 104 on macOS and the BSDs, one of them the closing NUL.
func MaxSocketPath() int {
	switch runtime.GOOS {
	case "linux", "windows", "android":
		return 107
	}
	return 103
}

// PathTooLongError is a socket path longer than MaxSocketPath. Its message
// gives the length, the limit and what to do instead.
type PathTooLongError struct {
	Path string
	// Binding is true when the path was to be listened on, false when
	// connected to.
	Binding bool
}

func (e *PathTooLongError) Error() string {
	if e.Binding {
		return fmt.Sprintf("socket path too long: %s is %d bytes, and this system allows at most %d in a socket's path: choose a shorter directory (for example --socket /tmp/%s)",
			e.Path, len(e.Path), MaxSocketPath(), filepath.Base(e.Path))
	}
	return fmt.Sprintf("socket path too long: %s is %d bytes, and this system allows at most %d in a socket's path: connect from its directory by a relative path (cd %s && sockscope … ./%s)",
		e.Path, len(e.Path), MaxSocketPath(), filepath.Dir(e.Path), filepath.Base(e.Path))
}

// CheckSocketPath returns a *PathTooLongError when path, a socket file's
// path (not "@name"), is too long to bind (binding) or connect to.
func CheckSocketPath(path string, binding bool) error {
	if len(path) > MaxSocketPath() {
		return &PathTooLongError{Path: path, Binding: binding}
	}
	return nil
}
