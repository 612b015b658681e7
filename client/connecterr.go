package client

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Sentinel errors a failed connect is classified as (see ConnectError);
// test them with errors.Is.
var (
	// ErrNoSuchSocket means the socket file (or a directory above it) does not exist.
	ErrNoSuchSocket = errors.New("no such socket")
	// ErrRefused means nothing is listening: for a socket file, it is stale.
	ErrRefused = errors.New("connection refused")
	// ErrPermission means the socket or a directory above it may not be used by this user.
	ErrPermission = errors.New("permission denied")
	// ErrConnectTimeout means connecting took longer than the connect timeout.
	ErrConnectTimeout = errors.New("connect timeout")
	// ErrNotSocket means the path exists but is not a socket.
	ErrNotSocket = errors.New("not a socket")
	// ErrNotStream means the socket is a datagram or seqpacket socket, which
	// gRPC cannot speak over.
	ErrNotStream = errors.New("not a stream socket")
	// ErrBusy means the server is not accepting connections fast enough: its
	// listen backlog is full.
	ErrBusy = errors.New("server busy")
	// ErrPathTooLong means the socket's path is longer than a socket
	// address holds (MaxSocketPath): it can be reached only by a shorter,
	// relative path.
	ErrPathTooLong = errors.New("socket path too long")
)

// ConnectError is a failed connect and what it means. Dial returns one for
// every connect that fails, and the sockets probe words its hints from one,
// so a socket is described alike whichever of them met it.
type ConnectError struct {
	// Target is where the connect went.
	Target Target
	// Kind is the sentinel the failure is classified as:
	// context.DeadlineExceeded when the caller's deadline passed first;
	// nil when none fits, or when the caller's context was cancelled.
	Kind error
	// Problem is the failure in a few words, e.g. "connection refused";
	// empty when no class fits and the cause speaks for itself.
	Problem string
	// Detail says more when there is more to say, e.g. "stale socket:
	// nothing is listening".
	Detail string
	// Err is the error the connect returned.
	Err error
}

// Error is one line naming the target, e.g. "connection refused:
// /run/x.sock (stale socket: nothing is listening)"; an unclassified
// failure reads "dial TARGET: " and the cause.
func (e *ConnectError) Error() string {
	if e.Kind == nil {
		if e.Problem != "" {
			return fmt.Sprintf("dial %s: %s: %v", e.Target, e.Problem, e.Err)
		}
		return fmt.Sprintf("dial %s: %v", e.Target, e.Err)
	}
	if e.Detail != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Problem, e.Target, e.Detail)
	}
	return e.Problem + ": " + e.Target.String()
}

// Reason is the failure without the target, for a listing that shows the
// target in a column of its own: "connection refused (stale socket:
// nothing is listening)".
func (e *ConnectError) Reason() string {
	switch {
	case e.Problem == "":
		return unwrapOpError(e.Err).Error()
	case e.Detail != "":
		return e.Problem + " (" + e.Detail + ")"
	}
	return e.Problem
}

// Unwrap returns Kind and Err, so errors.Is works for either (e.g.
// ErrNoSuchSocket and fs.ErrNotExist).
func (e *ConnectError) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// ClassifyConnectError says what err, returned by connecting to t within
// limit under ctx, means. For a socket path it may stat the path and the
// directories above it, to tell a stale socket from a file that is no
// socket and to say who owns what was denied.
func ClassifyConnectError(ctx context.Context, t Target, limit time.Duration, err error) *ConnectError {
	e := &ConnectError{Target: t, Err: err}
	class := func(kind error, problem, detail string) *ConnectError {
		e.Kind, e.Problem, e.Detail = kind, problem, detail
		return e
	}
	isPath := t.Network == "unix" && !t.Abstract
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return e
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// The caller's deadline, not the connect timeout: it is the
		// caller's to name (--max-time).
		return class(context.DeadlineExceeded, "the deadline passed while connecting", "")
	case errors.Is(err, syscall.EAGAIN):
		// A non-blocking connect to a unix socket whose accept backlog is full
		// fails at once with EAGAIN instead of waiting.
		// Checked before timeouts, as syscall.Errno counts EAGAIN as one.
		return class(ErrBusy, "server busy", "its accept backlog is full; it is not accepting connections")
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return class(ErrConnectTimeout, fmt.Sprintf("connect timeout after %s", limit), "")
	case errors.Is(err, fs.ErrNotExist):
		if dir := missingDir(t.Address); dir != "" {
			return class(ErrNoSuchSocket, "no such socket", fmt.Sprintf("directory %s does not exist", dir))
		}
		return class(ErrNoSuchSocket, "no such socket", "")
	case errors.Is(err, fs.ErrPermission):
		if isPath {
			return class(ErrPermission, "permission denied", permissionHint(t.Address))
		}
		return class(ErrPermission, "permission denied", "")
	case errors.Is(err, syscall.ECONNREFUSED):
		if isPath {
			// Linux reports connecting to a file that is not a socket as refused
			// too, so look at what is there before calling it stale.
			if fi, statErr := os.Stat(t.Address); statErr == nil && fi.Mode().Type() != fs.ModeSocket {
				return class(ErrNotSocket, "not a socket", describeFileType(fi))
			}
			return class(ErrRefused, "connection refused", "stale socket: nothing is listening")
		}
		return class(ErrRefused, "connection refused", "nothing is listening")
	case errors.Is(err, syscall.EPROTOTYPE):
		return class(ErrNotStream, "not a stream socket", "gRPC needs a stream socket")
	case isPath && len(t.Address) > MaxSocketPath():
		return class(ErrPathTooLong, "socket path too long", fmt.Sprintf("%d bytes, and this system allows at most %d in a socket's path: connect from its directory by a relative path, cd %s && sockscope … ./%s",
			len(t.Address), MaxSocketPath(), filepath.Dir(t.Address), filepath.Base(t.Address)))
	}
	if isPath {
		if fi, statErr := os.Stat(t.Address); statErr == nil && fi.Mode().Type() != fs.ModeSocket {
			return class(ErrNotSocket, "not a socket", describeFileType(fi))
		}
	}
	return e
}

// missingDir returns the nearest missing ancestor directory of path, or "" if
// the parent directory exists.
func missingDir(path string) string {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	for {
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		if _, err := os.Stat(parent); err == nil {
			return dir
		}
		dir = parent
	}
}

// permissionHint says who owns what was denied: the socket itself, or the
// directory above it when that cannot be searched.
func permissionHint(path string) string {
	if fi, err := os.Stat(path); err == nil {
		return describeOwner(fi)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err == nil {
		return fmt.Sprintf("directory %s: %s", dir, describeOwner(fi))
	}
	return ""
}

func describeFileType(fi fs.FileInfo) string {
	switch t := fi.Mode().Type(); {
	case t == 0:
		return "regular file"
	case t&fs.ModeDir != 0:
		return "directory"
	case t&fs.ModeNamedPipe != 0:
		return "named pipe"
	case t&fs.ModeDevice != 0:
		return "device"
	default:
		return "file mode " + fi.Mode().String()
	}
}

// unwrapOpError keeps the cause of a *net.OpError, whose own message repeats
// the address.
func unwrapOpError(err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		var sysErr *os.SyscallError
		if errors.As(opErr.Err, &sysErr) {
			return sysErr.Err
		}
		return opErr.Err
	}
	return err
}
