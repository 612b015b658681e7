package session

import (
	"context"
	"net"
	"time"

	"sockscope/client"
)

// StreamDialer opens plain stream connections to one address, for a
// feature that carries bytes instead of making RPCs: the tap forwards each
// client's connection over one of its own.
type StreamDialer struct {
	target  client.Target
	timeout time.Duration
}

// NewStreamDialer parses cfg.Address for dialing; cfg.ConnectTimeout bounds
// each dial (client.DefaultConnectTimeout when zero). An address that cannot
// be parsed is a *UsageError.
func NewStreamDialer(cfg Config) (*StreamDialer, error) {
	target, err := client.ParseAddress(cfg.Address)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	timeout := cfg.ConnectTimeout
	if timeout <= 0 {
		timeout = client.DefaultConnectTimeout
	}
	return &StreamDialer{target: target, timeout: timeout}, nil
}

// Target is the parsed address.
func (d *StreamDialer) Target() client.Target { return d.target }

// Dial makes one connection within the connect timeout and ctx. A failed
// connect is a *client.ConnectError saying what it means (a stale socket, a
// permission problem, …), as Open's dial reports it.
func (d *StreamDialer) Dial(ctx context.Context) (net.Conn, error) {
	dialer := net.Dialer{Timeout: d.timeout}
	conn, err := dialer.DialContext(ctx, d.target.Network, d.target.Address)
	if err != nil {
		return nil, client.ClassifyConnectError(ctx, d.target, d.timeout, err)
	}
	return conn, nil
}
