package sockets

import (
	"context"
	"fmt"
	"time"

	"sockscope/client"
)

// ExplainNotGRPC says in one line what a unix socket speaks when a gRPC
// client failed on it with Unavailable before any answer, which gRPC
// reports only in HTTP/2 terms ("frame too large", "broken pipe"). It runs
// the first stage of Probe, the one that classifies, bounded by timeout;
// "" when the socket is a gRPC server after all, or not a unix socket.
func ExplainNotGRPC(ctx context.Context, t client.Target, timeout time.Duration) string {
	if t.Network != "unix" {
		return ""
	}
	s := Socket{Path: t.Address, Abstract: t.Abstract}
	probeRaw(ctx, &s, timeout)
	applyNameHint(&s)
	if s.Kind == KindGRPC || s.Kind == KindPending || s.Hint == "" {
		return ""
	}
	return fmt.Sprintf("%s is not a gRPC server: --scan would list it as %s: %s", t.Address, s.Kind, s.Hint)
}

// DescribeNow says in a few words what a unix socket is at this moment
// ("now --scan would list it as stale: connection refused …"), for a
// message about a server that was there a moment ago; "" when it is a
// gRPC server again, or not a unix socket.
func DescribeNow(ctx context.Context, t client.Target, timeout time.Duration) string {
	if t.Network != "unix" {
		return ""
	}
	s := Socket{Path: t.Address, Abstract: t.Abstract}
	probeRaw(ctx, &s, timeout)
	applyNameHint(&s)
	if s.Kind == KindGRPC || s.Kind == KindPending {
		return ""
	}
	if s.Hint == "" {
		return "now --scan would list it as " + string(s.Kind)
	}
	return fmt.Sprintf("now --scan would list it as %s: %s", s.Kind, s.Hint)
}
