package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/connectivity"

	"sockscope/client"
)

const silentPeer = "it accepted the connection but does not answer gRPC's HTTP/2 handshake (sockscope --scan tells what it speaks)"

// awaitHandshake waits, until the connect timeout counted from the dial,
// for the connection to finish gRPC's HTTP/2 handshake, so that a peer that
// accepts and never answers costs --connect-timeout rather than the schema
// limit. A handshake that failed in a way the watch can tell (TLS on one
// side only, a certificate that does not verify, a client certificate
// wanted) fails here, saying so; a peer that answers something else is left
// to the first RPC, whose Unavailable the hints explain.
func (s *Session) awaitHandshake(ctx context.Context, dialed time.Time) error {
	timeout := s.cfg.ConnectTimeout
	if timeout <= 0 {
		timeout = client.DefaultConnectTimeout
	}
	waitCtx, cancel := context.WithDeadline(ctx, dialed.Add(timeout))
	defer cancel()
	for {
		state := s.conn.GetState()
		if state == connectivity.TransientFailure {
			if err := s.watch.Failure(ctx, PeerProbeTimeout); err != nil {
				return &HandshakeError{Err: err}
			}
			return nil
		}
		if state == connectivity.Ready {
			s.ready.Store(true)
			return nil
		}
		if state == connectivity.Shutdown {
			return nil
		}
		if !s.conn.WaitForStateChange(waitCtx, state) {
			break
		}
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && s.cfg.MaxTime > 0:
		return fmt.Errorf("%s: no handshake within --max-time %s: %s: %w", s.cfg.Address, s.cfg.MaxTime, silentPeer, context.DeadlineExceeded)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	if err := s.watch.Failure(ctx, PeerProbeTimeout); err != nil {
		return &HandshakeError{Err: err}
	}
	return fmt.Errorf("%s: no handshake within --connect-timeout %s: %s: %w", s.cfg.Address, timeout, silentPeer, client.ErrConnectTimeout)
}

// HandshakeError is a connection whose handshake failed for a reason the
// peer's answer tells (see client.HandshakeWatch.Failure): the peer was
// reached, and is not what the options expect. Its message says what to
// change.
type HandshakeError struct{ Err error }

func (e *HandshakeError) Error() string { return e.Err.Error() }
func (e *HandshakeError) Unwrap() error { return e.Err }
