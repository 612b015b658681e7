// Package grpcservices is the one rule for which services are gRPC's own
// infrastructure rather than a server's purpose; the client, the schema
// sources and discovery all ask it, so they agree on what to list, probe
// and count.
package grpcservices

import "strings"

// Infrastructure says which of gRPC's own services IsInfrastructure counts.
type Infrastructure int

const (
	// HealthAndReflection counts both, for telling what a server is for:
	// checking its services' health, summing it up in a listing.
	HealthAndReflection Infrastructure = iota
	// ReflectionOnly counts reflection alone, for lists of what a person may
	// call: grpc.health.v1.Health/Check is as callable as any method, while
	// reflection is only how the list was learned.
	ReflectionOnly
)

// IsInfrastructure reports whether service is one that gRPC servers carry
// for tools rather than for their own purpose: the health service, whose
// answers are how the other services are doing, and server reflection (any
// version), which is how they were found. Nearly every server has them, so
// they say nothing about what it does, and asking either about its own
// health tells nothing. which narrows the set for lists of what may be
// called.
func IsInfrastructure(service string, which Infrastructure) bool {
	if strings.HasPrefix(service, "grpc.reflection.") {
		return true
	}
	return which == HealthAndReflection && service == "grpc.health.v1.Health"
}
