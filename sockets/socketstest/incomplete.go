package socketstest

import (
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"sockscope/sample"
)

// The services ServeIncompleteReflection lists but cannot describe in full.
const (
	// UndescribedHealth is listed by reflection, and served, but reflection
	// answers NotFound for its symbols, as gRPC C++'s default health
	// service does.
	UndescribedHealth = "grpc.health.v1.Health"
	// MissingImportService is defined in MissingImportFile, which imports
	// MissingFile, a file reflection does not serve.
	MissingImportService = "dep.v1.Users"
	MissingImportFile    = "dep/users.proto"
	MissingFile          = "dep/missing.proto"
	// UnknownService is listed by reflection and nothing else: no file
	// defines it.
	UnknownService = "hidden.v1.Secrets"
)

// ServeIncompleteReflection serves the sample's services at path with a
// server reflection (grpc-go's own, over a schema of our making) that lists
// services it cannot describe: UndescribedHealth and UnknownService, whose
// symbols it does not know, and MissingImportService, whose file imports MissingFile, which it
// does not serve. The server stops when the test ends.
func ServeIncompleteReflection(t testing.TB, path string) {
	t.Helper()
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionNone})
	listed := listedServices{MissingImportService: {}, UnknownService: {}}
	for name, info := range srv.GetServiceInfo() {
		listed[name] = info
	}
	refv1.RegisterServerReflectionServer(srv, reflection.NewServerV1(reflection.ServerOptions{
		Services:           listed,
		DescriptorResolver: incompleteSchema(t),
	}))
	listed["grpc.reflection.v1.ServerReflection"] = grpc.ServiceInfo{}
	go srv.Serve(Listen(t, path))
	t.Cleanup(srv.Stop)
}

// incompleteSchema is every sample file but health, plus
// MissingImportFile, whose import of MissingFile stays unresolved.
func incompleteSchema(t testing.TB) *protoregistry.Files {
	t.Helper()
	files := &protoregistry.Files{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(fd.Path(), "grpc/health/") {
			files.RegisterFile(fd)
		}
		return true
	})
	users := &descriptorpb.FileDescriptorProto{
		Name:       proto.String(MissingImportFile),
		Package:    proto.String("dep.v1"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{MissingFile},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("GetUserRequest"),
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name: proto.String("id"), Number: proto.Int32(1), JsonName: proto.String("id"),
				Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			}},
		}},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("Users"),
			Method: []*descriptorpb.MethodDescriptorProto{{
				Name: proto.String("GetUser"), InputType: proto.String(".dep.v1.GetUserRequest"), OutputType: proto.String(".dep.v1.User"),
			}},
		}},
	}
	fd, err := protodesc.FileOptions{AllowUnresolvable: true}.New(users, files)
	if err != nil {
		t.Fatalf("build %s: %v", MissingImportFile, err)
	}
	if err := files.RegisterFile(fd); err != nil {
		t.Fatalf("register %s: %v", MissingImportFile, err)
	}
	return files
}

// listedServices is what the incomplete reflection lists.
type listedServices map[string]grpc.ServiceInfo

func (l listedServices) GetServiceInfo() map[string]grpc.ServiceInfo { return l }
