// Package sample is the bundled gRPC server that sockscope starts for
// --sample-server and --demo, so a fresh machine has something real to
// explore: sample.v1.Echo (every RPC kind, errors with details, deadlines,
// large messages), sample.v1.Workloads (a daemon-like API using every field
// shape), grpc.health.v1 and server reflection. It knows nothing of the
// client side.
package sample

import (
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	grpcreflection "google.golang.org/grpc/reflection"
	v1reflectiongrpc "google.golang.org/grpc/reflection/grpc_reflection_v1"
	v1alphareflectiongrpc "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	"sockscope/sample/samplepb"
)

// Reflection selects which server-reflection API the sample serves.
type Reflection int

const (
	// ReflectionV1 serves grpc.reflection.v1 only.
	ReflectionV1 Reflection = iota
	// ReflectionV1Alpha serves grpc.reflection.v1alpha only, as older servers do.
	ReflectionV1Alpha
	// ReflectionNone serves no reflection, as most daemons do.
	ReflectionNone
)

// ParseReflection parses "v1", "v1alpha" or "none".
func ParseReflection(s string) (Reflection, error) {
	switch s {
	case "v1":
		return ReflectionV1, nil
	case "v1alpha":
		return ReflectionV1Alpha, nil
	case "none":
		return ReflectionNone, nil
	}
	return 0, fmt.Errorf("unknown reflection API %q: want v1, v1alpha or none", s)
}

// String returns the name ParseReflection accepts.
func (r Reflection) String() string {
	switch r {
	case ReflectionV1:
		return "v1"
	case ReflectionV1Alpha:
		return "v1alpha"
	case ReflectionNone:
		return "none"
	}
	return fmt.Sprintf("Reflection(%d)", int(r))
}

// Options configures NewServer.
type Options struct {
	Reflection Reflection
	// Token, when set, makes every RPC (reflection and health too) need
	// "authorization: Bearer <Token>", to try a client's credentials.
	Token string
}

// NewServer returns a gRPC server with Echo, Workloads, grpc.health.v1 (every
// service SERVING, and "" for the server as a whole) and the chosen
// reflection API registered. Reflection serves descriptors compiled from the
// embedded .proto sources, so clients see the comments too.
func NewServer(opts Options) *grpc.Server {
	var serverOpts []grpc.ServerOption
	if opts.Token != "" {
		serverOpts = requireToken(opts.Token)
	}
	srv := grpc.NewServer(serverOpts...)
	samplepb.RegisterEchoServer(srv, &echoServer{})
	samplepb.RegisterWorkloadsServer(srv, newWorkloadsServer())

	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	for _, name := range []string{"", samplepb.Echo_ServiceDesc.ServiceName, samplepb.Workloads_ServiceDesc.ServiceName} {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}

	reflOpts := grpcreflection.ServerOptions{Services: srv, DescriptorResolver: descriptorResolver()}
	switch opts.Reflection {
	case ReflectionV1:
		v1reflectiongrpc.RegisterServerReflectionServer(srv, grpcreflection.NewServerV1(reflOpts))
	case ReflectionV1Alpha:
		v1alphareflectiongrpc.RegisterServerReflectionServer(srv, grpcreflection.NewServer(reflOpts))
	}
	return srv
}
