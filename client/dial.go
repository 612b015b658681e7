package client

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// DialOptions tunes Dial. The zero value gives the defaults.
type DialOptions struct {
	ConnectTimeout time.Duration // default 3s when zero
	MaxRecvMsgSize int           // default 64 MiB when zero
	// Authority is sent as :authority; empty means "localhost" for unix
	// sockets and host:port for TCP.
	Authority string
}

// DefaultConnectTimeout and DefaultMaxRecvMsgSize apply when the matching
// DialOptions field is zero.
const (
	DefaultConnectTimeout = 3 * time.Second
	DefaultMaxRecvMsgSize = 64 << 20
)

// Sentinel errors returned (wrapped) by Dial; test them with errors.Is. The
// wrapping error's message is a complete one-line explanation naming the
// address.
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
	// ErrBusy means the server is not accepting connections fast enough: its
	// listen backlog is full.
	ErrBusy = errors.New("server busy")
)

// dialError carries a finished message plus both the sentinel and the
// underlying cause, so errors.Is works for either (e.g. ErrNoSuchSocket and
// fs.ErrNotExist).
type dialError struct {
	msg      string
	sentinel error
	cause    error
}

func (e *dialError) Error() string   { return e.msg }
func (e *dialError) Unwrap() []error { return []error{e.sentinel, e.cause} }

// Dial checks the target can be reached and returns a client conn. Unix sockets are dialed with :authority
// "localhost" (grpc.WithAuthority) because some servers reset streams whose authority holds a path.
//
// The reachability check is one real connect made before the gRPC client
// exists, because gRPC itself only reports failures later and in generic
// terms; it is then closed and gRPC dials its own connections through the
// same dialer. A server whose accept backlog is full makes TCP connects hang
// (bounded by ConnectTimeout: ErrConnectTimeout) and Linux unix-socket
// connects fail at once (ErrBusy). A listener that accepts but never speaks
// HTTP/2 passes this check; the RPC then fails with a gRPC status.
func Dial(ctx context.Context, t Target, opts DialOptions) (*grpc.ClientConn, error) {
	if t.Network != "unix" && t.Network != "tcp" {
		return nil, fmt.Errorf("dial %s: unsupported network %q", t, t.Network)
	}
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	maxRecv := opts.MaxRecvMsgSize
	if maxRecv <= 0 {
		maxRecv = DefaultMaxRecvMsgSize
	}
	dialer := &net.Dialer{Timeout: timeout}

	first, err := connectOnce(ctx, dialer, t)
	if err != nil {
		return nil, err
	}
	// The connection that told a live listener from the failures above is
	// the one gRPC's first dial gets: a second connect would cost time, and
	// an empty connection shows up in some daemons' logs as an error.
	var handOver sync.Mutex
	grpcOpts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			handOver.Lock()
			c := first
			first = nil
			handOver.Unlock()
			if c != nil {
				return c, nil
			}
			return dialer.DialContext(ctx, t.Network, t.Address)
		}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecv)),
	}
	// The passthrough endpoint only names the authority: the context dialer
	// ignores it. Socket paths may hold characters a target URL cannot, so unix
	// targets use a fixed, harmless name.
	endpoint := t.Address
	authority := opts.Authority
	if t.Network == "unix" {
		endpoint = "localhost"
		if authority == "" {
			authority = "localhost"
		}
	}
	if authority != "" {
		grpcOpts = append(grpcOpts, grpc.WithAuthority(authority))
	}
	conn, err := grpc.NewClient("passthrough:///"+endpoint, grpcOpts...)
	if err != nil {
		first.Close()
		return nil, fmt.Errorf("dial %s: %w", t, err)
	}
	// Start the HTTP/2 handshake now, so it overlaps whatever the caller
	// prepares before its first RPC instead of delaying that RPC.
	conn.Connect()
	return conn, nil
}

// connectOnce makes the first connection, classifying why it failed.
func connectOnce(ctx context.Context, dialer *net.Dialer, t Target) (net.Conn, error) {
	limit := dialer.Timeout
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < limit {
		limit = time.Until(deadline).Round(time.Millisecond)
	}
	conn, err := dialer.DialContext(ctx, t.Network, t.Address)
	if err != nil {
		return nil, classifyDialError(ctx, t, limit, err)
	}
	return conn, nil
}

func classifyDialError(ctx context.Context, t Target, limit time.Duration, err error) error {
	wrap := func(sentinel error, format string, args ...any) error {
		return &dialError{msg: fmt.Sprintf(format, args...), sentinel: sentinel, cause: err}
	}
	isPath := t.Network == "unix" && !t.Abstract
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return fmt.Errorf("dial %s: %w", t, err)
	case errors.Is(err, syscall.EAGAIN):
		// A non-blocking connect to a unix socket whose accept backlog is full
		// fails at once with EAGAIN instead of waiting.
		// Checked before timeouts, as syscall.Errno counts EAGAIN as one.
		return wrap(ErrBusy, "server busy: %s (its accept backlog is full; it is not accepting connections)", t)
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return wrap(ErrConnectTimeout, "connect timeout after %s: %s", limit, t)
	case errors.Is(err, fs.ErrNotExist):
		if dir := missingDir(t.Address); dir != "" {
			return wrap(ErrNoSuchSocket, "no such socket: %s (directory %s does not exist)", t, dir)
		}
		return wrap(ErrNoSuchSocket, "no such socket: %s", t)
	case errors.Is(err, fs.ErrPermission):
		if isPath {
			return wrap(ErrPermission, "permission denied: %s%s", t, permissionHint(t.Address))
		}
		return wrap(ErrPermission, "permission denied: %s", t)
	case errors.Is(err, syscall.ECONNREFUSED):
		if isPath {
			// Linux reports connecting to a file that is not a socket as refused
			// too, so look at what is there before calling it stale.
			if fi, statErr := os.Stat(t.Address); statErr == nil && fi.Mode().Type() != fs.ModeSocket {
				return wrap(ErrNotSocket, "not a socket: %s (%s)", t, describeFileType(fi))
			}
			return wrap(ErrRefused, "connection refused: %s (stale socket: nothing is listening)", t)
		}
		return wrap(ErrRefused, "connection refused: %s (nothing is listening)", t)
	case isPath && errors.Is(err, syscall.EINVAL) && len(t.Address) > 100:
		return fmt.Errorf("dial %s: socket path too long (%d bytes; the limit is about 104-108): %w", t, len(t.Address), err)
	}
	if isPath {
		if fi, statErr := os.Stat(t.Address); statErr == nil && fi.Mode().Type() != fs.ModeSocket {
			return wrap(ErrNotSocket, "not a socket: %s (%s)", t, describeFileType(fi))
		}
	}
	return fmt.Errorf("dial %s: %w", t, err)
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

// permissionHint explains who owns what was denied: the socket itself, or the
// directory above it when that cannot be searched.
func permissionHint(path string) string {
	if fi, err := os.Stat(path); err == nil {
		return " (" + describeOwner(fi) + ")"
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err == nil {
		return fmt.Sprintf(" (directory %s: %s)", dir, describeOwner(fi))
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
