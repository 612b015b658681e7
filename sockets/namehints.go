package sockets

import (
	"path/filepath"
	"strings"
)

// TTRPCHint is the hint of a socket named like containerd's ttrpc sockets.
const TTRPCHint = "speaks ttrpc (containerd's lightweight RPC protocol), not gRPC: sockscope cannot call it"

// http1Daemons are well-known sockets of daemons whose API is REST over
// HTTP/1.1, by base name.
var http1Daemons = map[string]string{
	"docker.sock":  "the Docker Engine API",
	"podman.sock":  "Podman's Docker-compatible and libpod API",
	"snapd.socket": "snapd's REST API",
}

// nameHint is what a socket's name says about the daemon behind it, for
// the daemons whose protocol a probe cannot tell from their answer (a ttrpc
// server says nothing to an HTTP/2 preface) or whose answer looks like a
// misconfigured gRPC server (docker.sock's HTTP/1.1). only is the kind the
// hint applies to once probed; "" means every kind but gRPC.
func nameHint(path string) (hint string, only Kind) {
	base := filepath.Base(path)
	if desc, ok := http1Daemons[base]; ok {
		return desc + ", REST over HTTP/1.1, not gRPC: sockscope cannot call it (curl --unix-socket can)", KindHTTP1
	}
	slashed := filepath.ToSlash(path)
	switch {
	case strings.HasSuffix(base, ".ttrpc"):
		hint := TTRPCHint
		if grpcName := strings.TrimSuffix(base, ".ttrpc"); strings.HasSuffix(grpcName, ".sock") {
			// containerd serves ttrpc next to its gRPC socket, on the same
			// name plus ".ttrpc".
			hint += "; its gRPC API, if any, is on " + grpcName
		}
		return hint, ""
	case strings.Contains(slashed, "/containerd/s/") || strings.Contains(slashed, "/containerd-shim/"):
		// containerd's shims serve their task API over ttrpc under
		// /run/containerd/s/ (and abstract /containerd-shim/ names before 1.5).
		return "containerd shim socket: " + TTRPCHint, ""
	}
	return "", ""
}

// applyNameHint adds the socket's name hint. A probed socket that answered
// as the hint expects gets it instead of the generic hint of its kind; one
// that could not be probed (stale, denied, unprobed) gets it before its own.
func applyNameHint(s *Socket) {
	if hint := interposedHint(s.Path); hint != "" {
		// Whatever the socket speaks, its name is not its own.
		if s.Hint != "" && !strings.HasPrefix(s.Hint, hint) {
			hint += "; " + s.Hint
		}
		s.Hint = hint
		return
	}
	hint, only := nameHint(s.Path)
	if hint == "" {
		return
	}
	switch s.Kind {
	case KindStale, KindDenied, KindUnprobed:
		if s.Hint != "" {
			hint += "; " + s.Hint
		}
		s.Hint = hint
	case KindGRPC, KindPending, KindNotStream:
		// A gRPC answer proves the name wrong; the others were never dialed.
	default:
		if only == "" || only == s.Kind {
			s.Hint = hint
		}
	}
}

// InterposedSuffix ends the name a server's socket has while sockscope's
// tap stands in front of it (sockscope --tap PATH --interpose): the
// server's socket is PATH + InterposedSuffix and the tap listens at PATH.
const InterposedSuffix = ".sockscope-tapped"

// interposedHint flags a socket the tap renamed: seen when no tap runs, it
// is one left behind by a tap that could not put it back.
func interposedHint(path string) string {
	orig, ok := strings.CutSuffix(path, InterposedSuffix)
	if !ok || orig == "" {
		return ""
	}
	return "renamed by sockscope --tap --interpose, which listens at " + orig + " while it runs; if no tap runs, sockscope --tap " + orig + " --restore puts it back"
}
