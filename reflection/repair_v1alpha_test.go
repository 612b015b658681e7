package reflection

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

// serveV1Alpha serves s through the v1alpha API only: v1's service under
// v1alpha's name, since the two APIs' messages are the same field for field.
func serveV1Alpha(s *servedFiles) func(*grpc.Server) {
	return func(srv *grpc.Server) {
		desc := refv1.ServerReflection_ServiceDesc
		desc.ServiceName = "grpc.reflection.v1alpha.ServerReflection"
		srv.RegisterService(&desc, v1Service{s: s})
	}
}

func TestRepairMalformedReflectionV1Alpha(t *testing.T) {
	for _, m := range malformations {
		t.Run(m.name, func(t *testing.T) {
			conn := startServed(t, serveV1Alpha(m.serve()))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			src, err := Open(ctx, conn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			checkRepairedSample(t, ctx, src, conn)
			if got := src.Reflection(); got != ReflectionV1Alpha {
				t.Errorf("Reflection() = %q, want %q", got, ReflectionV1Alpha)
			}
		})
	}
}
