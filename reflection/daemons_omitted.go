//go:build sockscope_nodaemons

package reflection

// daemonSchemas is empty in a build with the sockscope_nodaemons tag: only
// grpc.health.v1 and the user's schemas remain.
var daemonSchemas []Schema
