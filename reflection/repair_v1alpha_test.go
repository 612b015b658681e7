package reflection

import (
	"testing"

	"google.golang.org/grpc"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"sockscope/sample"
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
			conn := dialSample(t, sample.ReflectionNone, serveV1Alpha(m.serve()))
			ctx, src := openSource(t, conn, Options{})
			checkRepairedSample(t, ctx, src, conn)
			if got := src.Reflection(); got != ReflectionV1Alpha {
				t.Errorf("Reflection() = %q, want %q", got, ReflectionV1Alpha)
			}
		})
	}
}
