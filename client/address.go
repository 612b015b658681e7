package client

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Target is a parsed ADDRESS.
type Target struct {
	Network  string // "unix" or "tcp"
	Address  string // unix: file path as given (relative stays relative) or "@name" for abstract; tcp: host:port
	Abstract bool   // Linux abstract socket
}

// String returns the target as it should appear in messages: the socket path,
// "@name" for an abstract socket, or host:port.
func (t Target) String() string {
	return t.Address
}

// ParseAddress parses an ADDRESS argument. A string containing "/" is always a
// socket path, so that any file name can be given without a scheme; bare
// words are rejected because they are ambiguous between a file in the current
// directory and a mistyped host:port.
func ParseAddress(s string) (Target, error) {
	if s == "" {
		return Target{}, errors.New("empty address")
	}
	if strings.ContainsRune(s, 0) {
		return Target{}, fmt.Errorf("address %q: contains a NUL byte", s)
	}
	switch {
	case strings.HasPrefix(s, "unix-abstract:"):
		return abstractTarget(s, strings.TrimPrefix(s, "unix-abstract:"))
	case strings.HasPrefix(s, "@"):
		return abstractTarget(s, s[1:])
	case strings.HasPrefix(s, "unix://"):
		// As in gRPC target names, unix:// must be followed by an absolute path;
		// anything else would be read as an authority.
		path := strings.TrimPrefix(s, "unix://")
		if !strings.HasPrefix(path, "/") {
			return Target{}, fmt.Errorf("address %q: unix:// must be followed by an absolute path (unix:///run/x.sock), or use unix:%s for a relative path", s, path)
		}
		return Target{Network: "unix", Address: path}, nil
	case strings.HasPrefix(s, "unix:"):
		path := strings.TrimPrefix(s, "unix:")
		if path == "" {
			return Target{}, fmt.Errorf("address %q: missing socket path after the unix: prefix", s)
		}
		if strings.HasPrefix(path, "@") {
			// The kernel would treat it as abstract anyway; say so in the target.
			return abstractTarget(s, path[1:])
		}
		return Target{Network: "unix", Address: path}, nil
	case strings.Contains(s, "/"):
		return Target{Network: "unix", Address: s}, nil
	case strings.Contains(s, ":"):
		return tcpTarget(s)
	default:
		return Target{}, fmt.Errorf("address %q: not a socket path or host:port (write ./%s if it is a socket file in the current directory)", s, s)
	}
}

func abstractTarget(input, name string) (Target, error) {
	if name == "" {
		return Target{}, fmt.Errorf("address %q: missing abstract socket name", input)
	}
	return Target{Network: "unix", Address: "@" + name, Abstract: true}, nil
}

func tcpTarget(s string) (Target, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		var addrErr *net.AddrError
		if errors.As(err, &addrErr) {
			return Target{}, fmt.Errorf("address %q: %s (want host:port, [ipv6]:port or a socket path)", s, addrErr.Err)
		}
		return Target{}, fmt.Errorf("address %q: %w", s, err)
	}
	bracketed := strings.HasPrefix(s, "[")
	if bracketed || strings.Contains(host, ":") {
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() {
			return Target{}, fmt.Errorf("address %q: %q is not an IPv6 address", s, host)
		}
	}
	if strings.ContainsAny(host, " \t\r\n[]") {
		return Target{}, fmt.Errorf("address %q: invalid host %q", s, host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port != strconv.Itoa(n) {
		return Target{}, fmt.Errorf("address %q: port %q must be a number from 1 to 65535", s, port)
	}
	return Target{Network: "tcp", Address: net.JoinHostPort(host, port)}, nil
}
