package session

import (
	"context"

	"google.golang.org/grpc/connectivity"

	"sockscope/client"
)

// Reconnect makes a connection that has failed, or gone idle, dial again
// now rather than when gRPC's backoff next allows (after a server
// restart, the first call would otherwise fail for seconds with the last
// dial's error), and waits until it is ready, the new dial has failed, or
// the connect timeout passes; ctx ends the wait sooner. A ready
// connection is left alone.
func (s *Session) Reconnect(ctx context.Context) {
	if s.conn == nil {
		return
	}
	state := s.conn.GetState()
	if state != connectivity.TransientFailure && state != connectivity.Idle {
		return
	}
	timeout := s.cfg.ConnectTimeout
	if timeout <= 0 {
		timeout = client.DefaultConnectTimeout
	}
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.conn.ResetConnectBackoff()
	s.conn.Connect()
	dialed := false
	for {
		state = s.conn.GetState()
		switch state {
		case connectivity.Ready, connectivity.Shutdown:
			return
		case connectivity.Connecting:
			dialed = true
		case connectivity.TransientFailure:
			if dialed {
				return
			}
		}
		if !s.conn.WaitForStateChange(waitCtx, state) {
			return
		}
	}
}
