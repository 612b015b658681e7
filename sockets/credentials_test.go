package sockets

import (
	"strings"
	"testing"

	"sockscope/internal/grpcservices"
	"sockscope/sample"
	"sockscope/sample/sampletest"
)

// TestCredentialsWanted is finding 7 of issue 13: a server that refuses
// every RPC without credentials, reflection and health included, is a gRPC
// server whose reflection was refused, and -H is what helps.
func TestCredentialsWanted(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: "t"})
	s := Probe(t.Context(), Socket{Path: sock}, testTimeout)
	if s.Kind != KindGRPC || s.Reflection != ReflectionRefused {
		t.Fatalf("kind %s, reflection %q, want grpc with reflection refused", s.Kind, s.Reflection)
	}
	if !strings.Contains(s.Hint, "reflection refused (Unauthenticated)") || !strings.Contains(s.Hint, "-H 'authorization: …'") || strings.Contains(s.Hint, "grpc-status 16") {
		t.Errorf("hint %q", s.Hint)
	}
	if sum := Summarize(s, grpcservices.HealthAndReflection); sum.Served != "reflection refused" {
		t.Errorf("summary %+v", sum)
	}
}
