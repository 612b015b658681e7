package session

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"sockscope/client"
)

// HealthTimeout bounds asking a server how its services are doing when the
// answer only decorates a list and nobody waits for it.
const HealthTimeout = 2 * time.Second

// ServicesHealth asks the server's grpc.health.v1 service how each of
// services is doing, within HealthTimeout, with header (a health server
// behind an authenticating interceptor wants credentials too). A server
// without a health service, or a session without a connection, gives nil:
// it is asked nothing more after the server-wide check fails.
func (s *Session) ServicesHealth(ctx context.Context, services []string, header metadata.MD) map[string]string {
	if s.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, HealthTimeout)
	defer cancel()
	if len(header) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, header)
	}
	if _, err := client.Health(ctx, s.conn, ""); err != nil && status.Code(err) != codes.NotFound {
		return nil
	}
	statuses, _, _ := client.ServicesHealth(ctx, s.conn, services)
	return statuses
}
