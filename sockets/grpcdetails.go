package sockets

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"sockscope/client"
	"sockscope/reflection"
)

// addGRPCDetails lists a gRPC server's services over reflection, v1 first,
// then v1alpha; without reflection it chooses a built-in schema and takes
// the services from that. When healthServed, it then checks each service's
// health. All of it runs on one connection within timeout: the probe only
// needs names and statuses, never the schemas themselves.
func addGRPCDetails(ctx context.Context, s *Socket, timeout time.Duration, healthServed bool) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	target := client.Target{Network: "unix", Address: s.Path, Abstract: s.Abstract}
	conn, err := client.Dial(ctx, target, client.DialOptions{ConnectTimeout: timeout})
	if err != nil {
		s.Err = fmt.Sprintf("reflection: %v", err)
		return
	}
	defer conn.Close()

	services, err := listServicesV1(ctx, conn)
	s.Reflection = ReflectionV1
	if status.Code(err) == codes.Unimplemented {
		services, err = listServicesV1Alpha(ctx, conn)
		s.Reflection = ReflectionV1Alpha
	}
	switch {
	case status.Code(err) == codes.Unimplemented:
		s.Reflection = ReflectionNone
	case err != nil:
		s.Reflection = ReflectionNone
		s.Err = fmt.Sprintf("reflection: %v", err)
	default:
		sort.Strings(services)
		s.Services = services
	}
	if s.Reflection == ReflectionNone {
		chooseSchema(ctx, conn, s)
	}
	if healthServed {
		checkServicesHealth(ctx, conn, s)
	}
}

// chooseSchema picks the built-in schema for a server without reflection,
// the same one a call to it would use, and lists that schema's services.
func chooseSchema(ctx context.Context, conn grpc.ClientConnInterface, s *Socket) {
	schema, reason, ok := reflection.ChooseSchema(ctx, conn, s.Path)
	if !ok {
		return
	}
	s.Schema = &SchemaChoice{Name: schema.Name, Reason: reason}
	s.Services = schema.Services()
}

// MaxHealthChecks bounds how many services the probe checks the health of,
// so that a server with hundreds of services costs no more than a few RPCs'
// time.
const MaxHealthChecks = 32

// serviceUnknown is the status of a service the health server does not know:
// grpc.health.v1 has the value for Watch, and Check answers NotFound.
var serviceUnknown = grpc_health_v1.HealthCheckResponse_SERVICE_UNKNOWN.String()

// notHealthChecked are services whose own health says nothing: the health
// service itself, and reflection, which is how the others were found.
var notHealthChecked = map[string]bool{
	"grpc.health.v1.Health":                    true,
	"grpc.reflection.v1.ServerReflection":      true,
	"grpc.reflection.v1alpha.ServerReflection": true,
}

// checkServicesHealth checks the health of up to MaxHealthChecks of the
// socket's services, all at once on conn, and adds them to s.Health.
func checkServicesHealth(ctx context.Context, conn grpc.ClientConnInterface, s *Socket) {
	var names []string
	for _, name := range s.Services {
		if !notHealthChecked[name] && len(names) < MaxHealthChecks {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return
	}
	statuses := make([]string, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			statuses[i], errs[i] = client.Health(ctx, conn, name)
			if status.Code(errs[i]) == codes.NotFound {
				statuses[i], errs[i] = serviceUnknown, nil
			}
		})
	}
	wg.Wait()

	if s.Health == nil {
		s.Health = make(map[string]string, len(names)+1)
	}
	failed := 0
	var firstErr error
	for i, name := range names {
		if errs[i] != nil {
			failed++
			if firstErr == nil {
				firstErr = errs[i]
			}
			continue
		}
		s.Health[name] = statuses[i]
	}
	if failed > 0 && s.Err == "" {
		s.Err = fmt.Sprintf("health of %d of %d services unknown: %v", failed, len(names), firstErr)
	}
}

func listServicesV1(ctx context.Context, conn grpc.ClientConnInterface) ([]string, error) {
	stream, err := reflectionv1.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	defer stream.CloseSend()
	req := &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{ListServices: "*"},
	}
	if err := stream.Send(req); err != nil {
		_, err = stream.Recv() // the status explains a failed send
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	if e := resp.GetErrorResponse(); e != nil {
		return nil, status.Error(codes.Code(e.GetErrorCode()), e.GetErrorMessage())
	}
	var names []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		names = append(names, svc.GetName())
	}
	return names, nil
}
