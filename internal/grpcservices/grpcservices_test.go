package grpcservices

import "testing"

func TestIsInfrastructure(t *testing.T) {
	for _, c := range []struct {
		service             string
		withHealth, without bool
	}{
		{"grpc.health.v1.Health", true, false},
		{"grpc.reflection.v1.ServerReflection", true, true},
		{"grpc.reflection.v1alpha.ServerReflection", true, true},
		{"sample.v1.Echo", false, false},
		{"grpc.healthx.Health", false, false},
	} {
		if got := IsInfrastructure(c.service, HealthAndReflection); got != c.withHealth {
			t.Errorf("IsInfrastructure(%q, HealthAndReflection) = %v", c.service, got)
		}
		if got := IsInfrastructure(c.service, ReflectionOnly); got != c.without {
			t.Errorf("IsInfrastructure(%q, ReflectionOnly) = %v", c.service, got)
		}
	}
}
