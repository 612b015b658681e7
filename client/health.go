package client

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Health asks the server's grpc.health.v1 service how service is doing ("" is
// the server as a whole) and returns the status name, e.g. "SERVING". A
// failed RPC (no health service, unknown service) is returned as the error,
// with its gRPC status.
func Health(ctx context.Context, conn grpc.ClientConnInterface, service string) (string, error) {
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return "", fmt.Errorf("health check of %q: %w", service, err)
	}
	return resp.GetStatus().String(), nil
}
