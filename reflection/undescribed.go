package reflection

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// ErrUndescribed means the server's reflection lists a service but does
// not give its whole schema: it answers NotFound for the service, or its
// file imports a file that reflection does not serve. The error names the
// file that is missing when one is.
var ErrUndescribed = errors.New("reflection does not describe it")

// builtInFallbacks are the services whose definition every gRPC server
// shares, used when a server lists one and its reflection does not
// describe it (gRPC C++'s default health service does so).
var builtInFallbacks = map[protoreflect.FullName]protoreflect.FileDescriptor{
	"grpc.health.v1.Health": healthpb.File_grpc_health_v1_health_proto,
}

// builtInFallback finds name in the built-in definitions of
// builtInFallbacks, for a symbol reflection does not know.
func builtInFallback(name protoreflect.FullName) (protoreflect.Descriptor, protoreflect.FullName, bool) {
	for svc, fd := range builtInFallbacks {
		if name != svc && !strings.HasPrefix(string(name), string(fd.Package())+".") {
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
		if err == nil && d.ParentFile().Path() == fd.Path() {
			return d, svc, true
		}
	}
	return nil, "", false
}

// noteFallback records that service is described by its built-in
// definition.
func (s *Source) noteFallback(service protoreflect.FullName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, known := range s.fallbacks {
		if known == string(service) {
			return
		}
	}
	s.fallbacks = append(s.fallbacks, string(service))
}

// BuiltInFallbacks names the services the server lists, or was asked
// about, that its reflection does not describe and whose built-in
// definition is used instead (grpc.health.v1.Health).
func (s *Source) BuiltInFallbacks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.fallbacks...)
}

// explainUndescribed asks the server's reflection, on a stream of its own
// and in the look-up's turn, why it could not describe the listed service
// name: it answers NotFound for the service itself, or the service's file
// imports one it does not serve. The error is a *ServiceError wrapping
// ErrUndescribed.
func (s *Source) explainUndescribed(ctx context.Context, name protoreflect.FullName) error {
	var why string
	err := s.gate.run(ctx, func() error {
		var err error
		why, err = s.askWhyUndescribed(ctx, name)
		return err
	})
	if err != nil || why == "" {
		why = "asking for its file failed too"
		if err != nil {
			why += ": " + err.Error()
		}
	}
	return &ServiceError{Service: name, Err: fmt.Errorf("%w: %s", ErrUndescribed, why)}
}

func (s *Source) askWhyUndescribed(ctx context.Context, name protoreflect.FullName) (string, error) {
	method := apis[0].method
	if s.Reflection() == ReflectionV1Alpha {
		method = apis[1].method
	}
	ctx, cancel := context.WithCancel(s.withHeader(ctx))
	defer cancel()
	stream, err := s.gate.bind(stub{conn: s.conn, method: method}).ServerReflectionInfo(ctx)
	if err != nil {
		return "", err
	}
	ask := func(req *refv1.ServerReflectionRequest) ([]*descriptorpb.FileDescriptorProto, error) {
		if err := stream.Send(req); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		resp, err := stream.Recv()
		if err != nil {
			return nil, err
		}
		if e := resp.GetErrorResponse(); e != nil {
			return nil, status.Error(codes.Code(e.GetErrorCode()), e.GetErrorMessage())
		}
		var files []*descriptorpb.FileDescriptorProto
		for _, raw := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
			fd := &descriptorpb.FileDescriptorProto{}
			if err := proto.Unmarshal(raw, fd); err != nil {
				return nil, fmt.Errorf("a file in the answer does not decode: %w", err)
			}
			files = append(files, fd)
		}
		return files, nil
	}
	files, err := ask(&refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: string(name)}})
	if status.Code(err) == codes.NotFound {
		return "file_containing_symbol answers NOT_FOUND", nil
	}
	if err != nil {
		return "", err
	}
	served := map[string]*descriptorpb.FileDescriptorProto{}
	for _, fd := range files {
		served[fd.GetName()] = fd
	}
	if len(files) == 0 {
		return "file_containing_symbol answers with no file", nil
	}
	// The first file is the one asked for; walk what it imports.
	type pending struct{ path, importedBy string }
	queue, seen := []pending{{path: files[0].GetName()}}, map[string]bool{files[0].GetName(): true}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		fd := served[next.path]
		if fd == nil {
			if _, err := protoregistry.GlobalFiles.FindFileByPath(next.path); err == nil && isBuiltinPath(next.path) {
				continue
			}
			more, err := ask(&refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_FileByFilename{FileByFilename: next.path}})
			if status.Code(err) == codes.NotFound || err == nil && len(more) == 0 {
				return fmt.Sprintf("its file %s imports %s, which reflection does not serve", next.importedBy, next.path), nil
			}
			if err != nil {
				return "", err
			}
			for _, m := range more {
				served[m.GetName()] = m
			}
			if fd = served[next.path]; fd == nil {
				return fmt.Sprintf("asked for %s, reflection answers with other files", next.path), nil
			}
		}
		for _, dep := range fd.GetDependency() {
			if !seen[dep] {
				seen[dep] = true
				queue = append(queue, pending{path: dep, importedBy: next.path})
			}
		}
	}
	return fmt.Sprintf("its file %s and all it imports are served, but do not define it", files[0].GetName()), nil
}

// isBuiltinPath tells the well-known and google.rpc files, which resolve
// without a server.
func isBuiltinPath(p string) bool {
	return strings.HasPrefix(p, "google/protobuf/") || strings.HasPrefix(p, "google/rpc/")
}
