package reflection

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	ctrevents "github.com/containerd/containerd/api/events"
	ctrcontainers "github.com/containerd/containerd/api/services/containers/v1"
	ctrcontent "github.com/containerd/containerd/api/services/content/v1"
	ctrdiff "github.com/containerd/containerd/api/services/diff/v1"
	ctreventsvc "github.com/containerd/containerd/api/services/events/v1"
	ctrimages "github.com/containerd/containerd/api/services/images/v1"
	ctrintrospection "github.com/containerd/containerd/api/services/introspection/v1"
	ctrleases "github.com/containerd/containerd/api/services/leases/v1"
	ctrmounts "github.com/containerd/containerd/api/services/mounts/v1"
	ctrnamespaces "github.com/containerd/containerd/api/services/namespaces/v1"
	ctrsandbox "github.com/containerd/containerd/api/services/sandbox/v1"
	ctrsnapshots "github.com/containerd/containerd/api/services/snapshots/v1"
	ctrstreaming "github.com/containerd/containerd/api/services/streaming/v1"
	ctrtasks "github.com/containerd/containerd/api/services/tasks/v1"
	ctrtransfer "github.com/containerd/containerd/api/services/transfer/v1"
	ctrversion "github.com/containerd/containerd/api/services/version/v1"
	"github.com/jhump/protoreflect/v2/protoresolve"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Schema is a daemon API sockscope knows without the daemon's help, for the
// many daemons that serve no reflection. Its descriptors come from the Go
// modules that publish the API, never from copied .proto files.
type Schema struct {
	// Name is what --schema takes.
	Name string
	// Description says which daemon speaks it.
	Description string
	// socketNames are base names (or path fragments ending in "/") that
	// identify the daemon's socket.
	socketNames []string
	// probe is one cheap, read-only method whose answer (anything but
	// Unimplemented) shows the server speaks this API; empty means the
	// schema is never chosen by probing, only by name or --schema.
	probe string
	files func() []protoreflect.FileDescriptor
}

// builtinSchemas are tried in this order when a socket has no reflection.
var builtinSchemas = []Schema{
	{
		Name:        "containerd",
		Description: "containerd's gRPC API (containers, images, tasks, snapshots, events, …)",
		socketNames: []string{"containerd.sock", "containerd/"},
		probe:       "/containerd.services.version.v1.Version/Version",
		files: func() []protoreflect.FileDescriptor {
			return []protoreflect.FileDescriptor{
				ctrcontainers.File_services_containers_v1_containers_proto,
				ctrcontent.File_services_content_v1_content_proto,
				ctrdiff.File_services_diff_v1_diff_proto,
				ctreventsvc.File_services_events_v1_events_proto,
				ctrimages.File_services_images_v1_images_proto,
				ctrintrospection.File_services_introspection_v1_introspection_proto,
				ctrleases.File_services_leases_v1_leases_proto,
				ctrmounts.File_services_mounts_v1_mounts_proto,
				ctrnamespaces.File_services_namespaces_v1_namespace_proto,
				ctrsandbox.File_services_sandbox_v1_sandbox_proto,
				ctrsnapshots.File_services_snapshots_v1_snapshots_proto,
				ctrstreaming.File_services_streaming_v1_streaming_proto,
				ctrtasks.File_services_tasks_v1_tasks_proto,
				ctrtransfer.File_services_transfer_v1_transfer_proto,
				ctrversion.File_services_version_v1_version_proto,
				// Event payloads, so Events/Subscribe replies decode.
				ctrevents.File_events_container_proto,
				ctrevents.File_events_content_proto,
				ctrevents.File_events_image_proto,
				ctrevents.File_events_namespace_proto,
				ctrevents.File_events_sandbox_proto,
				ctrevents.File_events_snapshot_proto,
				ctrevents.File_events_task_proto,
			}
		},
	},
	{
		Name: "grpc.health.v1",
		// Nearly every server has health, so answering it says nothing
		// about the rest of its API: never chosen by probing.
		Description: "the standard gRPC health service alone",
		files: func() []protoreflect.FileDescriptor {
			return []protoreflect.FileDescriptor{healthpb.File_grpc_health_v1_health_proto}
		},
	},
}

// Schemas lists the built-in schemas, for --schema list.
func Schemas() []Schema {
	return append([]Schema(nil), builtinSchemas...)
}

func findSchema(name string) (Schema, error) {
	var names []string
	for _, s := range builtinSchemas {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Schema{}, fmt.Errorf("no built-in schema %q (there are: %s)", name, strings.Join(names, ", "))
}

func (s Schema) registry() (*protoresolve.Registry, error) {
	reg := &protoresolve.Registry{}
	for _, fd := range s.files() {
		if err := registerRecursive(reg, fd); err != nil {
			return nil, fmt.Errorf("schema %s: %w", s.Name, err)
		}
	}
	return reg, nil
}

// matchesSocket tells whether path looks like this daemon's socket.
func (s Schema) matchesSocket(path string) bool {
	for _, n := range s.socketNames {
		if strings.HasSuffix(n, "/") {
			if strings.Contains(filepath.ToSlash(path), "/"+n) {
				return true
			}
		} else if filepath.Base(path) == n {
			return true
		}
	}
	return false
}

// answers calls the schema's probe method with an empty request; any answer
// but Unimplemented (even an error about the request) shows the API is there.
func (s Schema) answers(ctx context.Context, conn grpc.ClientConnInterface) bool {
	err := conn.Invoke(ctx, s.probe, &emptypb.Empty{}, &emptypb.Empty{})
	code := status.Code(err)
	return code != codes.Unimplemented && code != codes.Unavailable && code != codes.DeadlineExceeded && code != codes.Canceled
}

// chooseSchema picks a built-in schema for a server without reflection: by
// the socket's name first, then by asking each API's probe method. It
// returns the schema and why it was chosen, or ok false.
func chooseSchema(ctx context.Context, conn grpc.ClientConnInterface, socketPath string) (Schema, string, bool) {
	for _, s := range builtinSchemas {
		if socketPath != "" && s.matchesSocket(socketPath) {
			return s, "the socket's name looks like " + s.Name + "'s", true
		}
	}
	for _, s := range builtinSchemas {
		if s.probe != "" && s.answers(ctx, conn) {
			return s, "the server answers " + strings.TrimPrefix(s.probe, "/"), true
		}
	}
	return Schema{}, "", false
}
