package client

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"sockscope/internal/grpcservices"
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

// MaxHealthChecks bounds how many services ServicesHealth asks about, so
// that a server with hundreds of services costs no more than a few RPCs'
// time.
const MaxHealthChecks = 32

// ServiceUnknown is the status of a service the health server keeps none
// for: grpc.health.v1 names the value for Watch, and Check answers NotFound.
var ServiceUnknown = healthpb.HealthCheckResponse_SERVICE_UNKNOWN.String()

// ServicesHealth asks the health service, all at once on conn, how each of
// the first MaxHealthChecks services is doing; the health and reflection
// services themselves are skipped. A service the health server keeps no
// status for is ServiceUnknown. A check that fails otherwise leaves its
// service out of statuses: failed counts those, and err is the first.
func ServicesHealth(ctx context.Context, conn grpc.ClientConnInterface, services []string) (statuses map[string]string, failed int, err error) {
	var names []string
	for _, name := range services {
		if !grpcservices.IsInfrastructure(name, grpcservices.HealthAndReflection) && len(names) < MaxHealthChecks {
			names = append(names, name)
		}
	}
	answers := make([]string, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			answers[i], errs[i] = Health(ctx, conn, name)
			if status.Code(errs[i]) == codes.NotFound {
				answers[i], errs[i] = ServiceUnknown, nil
			}
		})
	}
	wg.Wait()
	statuses = make(map[string]string, len(names))
	for i, name := range names {
		if errs[i] != nil {
			failed++
			if err == nil {
				err = errs[i]
			}
			continue
		}
		statuses[name] = answers[i]
	}
	return statuses, failed, err
}
