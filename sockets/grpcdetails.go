package sockets

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
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

	services, api, err := reflection.ListServiceNames(ctx, conn)
	switch code := status.Code(err); {
	case code == codes.Unimplemented:
		s.Reflection = ReflectionNone
	case code == codes.Unauthenticated || code == codes.PermissionDenied:
		// An interceptor that checks credentials refuses every RPC alike,
		// so nothing is known of reflection but that it wants them.
		s.Reflection = ReflectionRefused
		s.Hint = fmt.Sprintf("reflection refused (%s): the server wants credentials; send them with -H 'authorization: …' (or -H @file), with reflection and the call alike", code)
		return
	case err != nil:
		s.Reflection = ReflectionNone
		s.Err = fmt.Sprintf("reflection: %v", err)
	default:
		s.Reflection = api
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
// the same one a call to it would use, and lists that schema's services:
// those the daemon serves, where it says which (containerd's
// introspection), the others in the choice's NotServed.
func chooseSchema(ctx context.Context, conn grpc.ClientConnInterface, s *Socket) {
	schema, reason, ok := reflection.ChooseSchema(ctx, conn, s.Path)
	if !ok {
		return
	}
	s.Schema = &SchemaChoice{Name: schema.Name, Reason: reason}
	notServed := reflection.ServedByDaemon(ctx, conn, schema)
	for _, name := range schema.Services() {
		if _, no := notServed[name]; no {
			s.Schema.NotServed = append(s.Schema.NotServed, name)
			continue
		}
		s.Services = append(s.Services, name)
	}
}

// MaxHealthChecks bounds how many services the probe checks the health of.
const MaxHealthChecks = client.MaxHealthChecks

// checkServicesHealth checks the health of the socket's services (see
// client.ServicesHealth) and adds them to s.Health.
func checkServicesHealth(ctx context.Context, conn grpc.ClientConnInterface, s *Socket) {
	statuses, failed, err := client.ServicesHealth(ctx, conn, s.Services)
	if len(statuses) > 0 && s.Health == nil {
		s.Health = make(map[string]string, len(statuses)+1)
	}
	for name, st := range statuses {
		s.Health[name] = st
	}
	if failed > 0 && s.Err == "" {
		s.Err = fmt.Sprintf("health of %d of %d services unknown: %v", failed, failed+len(statuses), err)
	}
}
