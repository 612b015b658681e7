// Package reflectiontest owns the test fixtures the reflection packages
// share: a hand-written reflection service that serves whatever files it is
// given, however malformed, and ways to malform the sample's files as real
// servers do. It must not use the code it helps test.
package reflectiontest

import (
	"errors"
	"io"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"sockscope/reflection/internal/descproto"
	"sockscope/sample/samplepb"
)

// ServedFiles is what a hand-written reflection service serves: files that
// may be malformed in any way, looked up the way grpc-go's service does.
type ServedFiles struct {
	Files    []*descriptorpb.FileDescriptorProto
	Services []string
	// Everything makes every answer hold every file, as some servers do;
	// otherwise an answer holds the file and the ones it imports, each
	// once per stream, as grpc-go's does.
	Everything bool
}

func (s *ServedFiles) answer(req *refv1.ServerReflectionRequest, sent map[string]bool) *refv1.ServerReflectionResponse {
	resp := &refv1.ServerReflectionResponse{OriginalRequest: req}
	var file *descriptorpb.FileDescriptorProto
	switch r := req.MessageRequest.(type) {
	case *refv1.ServerReflectionRequest_ListServices:
		list := &refv1.ListServiceResponse{}
		for _, name := range s.Services {
			list.Service = append(list.Service, &refv1.ServiceResponse{Name: name})
		}
		resp.MessageResponse = &refv1.ServerReflectionResponse_ListServicesResponse{ListServicesResponse: list}
		return resp
	case *refv1.ServerReflectionRequest_FileByFilename:
		file = s.byName(r.FileByFilename)
	case *refv1.ServerReflectionRequest_FileContainingSymbol:
		for _, f := range s.Files {
			if fileDefines(f, r.FileContainingSymbol) {
				file = f
				break
			}
		}
	}
	if file == nil {
		resp.MessageResponse = &refv1.ServerReflectionResponse_ErrorResponse{ErrorResponse: &refv1.ErrorResponse{
			ErrorCode: int32(codes.NotFound), ErrorMessage: "not served"}}
		return resp
	}
	files := []*descriptorpb.FileDescriptorProto{file}
	if s.Everything {
		for _, f := range s.Files {
			if f != file {
				files = append(files, f)
			}
		}
	} else {
		sent[file.GetName()] = true
		var deps func(f *descriptorpb.FileDescriptorProto)
		deps = func(f *descriptorpb.FileDescriptorProto) {
			for _, name := range f.GetDependency() {
				if dep := s.byName(name); dep != nil && !sent[name] {
					sent[name] = true
					files = append(files, dep)
					deps(dep)
				}
			}
		}
		deps(file)
	}
	fr := &refv1.FileDescriptorResponse{}
	for _, f := range files {
		raw, err := proto.Marshal(f)
		if err != nil {
			panic(err)
		}
		fr.FileDescriptorProto = append(fr.FileDescriptorProto, raw)
	}
	resp.MessageResponse = &refv1.ServerReflectionResponse_FileDescriptorResponse{FileDescriptorResponse: fr}
	return resp
}

func (s *ServedFiles) byName(name string) *descriptorpb.FileDescriptorProto {
	for _, f := range s.Files {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

// fileDefines tells whether fd declares symbol, looking only at the names
// themselves (the test server must not rely on the code under test).
func fileDefines(fd *descriptorpb.FileDescriptorProto, symbol string) bool {
	prefix := ""
	if fd.GetPackage() != "" {
		prefix = fd.GetPackage() + "."
	}
	rest, ok := strings.CutPrefix(symbol, prefix)
	if !ok {
		return false
	}
	var inMessages func(ms []*descriptorpb.DescriptorProto, es []*descriptorpb.EnumDescriptorProto, name string) bool
	inMessages = func(ms []*descriptorpb.DescriptorProto, es []*descriptorpb.EnumDescriptorProto, name string) bool {
		for _, e := range es {
			if e.GetName() == name {
				return true
			}
		}
		head, tail, nested := strings.Cut(name, ".")
		for _, m := range ms {
			if m.GetName() != head {
				continue
			}
			if !nested {
				return true
			}
			for _, f := range m.GetField() {
				if f.GetName() == tail {
					return true
				}
			}
			return inMessages(m.GetNestedType(), m.GetEnumType(), tail)
		}
		return false
	}
	if inMessages(fd.GetMessageType(), fd.GetEnumType(), rest) {
		return true
	}
	for _, svc := range fd.GetService() {
		if svc.GetName() == rest {
			return true
		}
		for _, m := range svc.GetMethod() {
			if svc.GetName()+"."+m.GetName() == rest {
				return true
			}
		}
	}
	return false
}

type v1Service struct {
	refv1.UnimplementedServerReflectionServer
	s *ServedFiles
}

func (v v1Service) ServerReflectionInfo(stream refv1.ServerReflection_ServerReflectionInfoServer) error {
	sent := map[string]bool{}
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(v.s.answer(req, sent)); err != nil {
			return err
		}
	}
}

// ServeV1 serves s through the v1 reflection API.
func ServeV1(s *ServedFiles) func(*grpc.Server) {
	return func(srv *grpc.Server) { refv1.RegisterServerReflectionServer(srv, v1Service{s: s}) }
}

// ServeV1Alpha serves s through the v1alpha API only: v1's service under
// v1alpha's name, since the two APIs' messages are the same field for field.
func ServeV1Alpha(s *ServedFiles) func(*grpc.Server) {
	return func(srv *grpc.Server) {
		desc := refv1.ServerReflection_ServiceDesc
		desc.ServiceName = "grpc.reflection.v1alpha.ServerReflection"
		srv.RegisterService(&desc, v1Service{s: s})
	}
}

// SampleServices are the services the sample's files define.
var SampleServices = []string{"sample.v1.Echo", "sample.v1.Workloads"}

// SampleDescriptors are the sample's files and the well-known files they
// import, as protoc makes them, each after the files it imports.
func SampleDescriptors() []*descriptorpb.FileDescriptorProto {
	return descproto.FileSet([]protoreflect.FileDescriptor{samplepb.File_sample_v1_echo_proto, samplepb.File_sample_v1_workloads_proto}, nil).File
}

// MergePerPackage puts every package's files into one file named by name(pkg),
// the way some stacks synthesize reflection from their runtime registry.
// Their imports keep naming the original files unless renameDeps.
func MergePerPackage(files []*descriptorpb.FileDescriptorProto, name func(pkg string) string, renameDeps bool) []*descriptorpb.FileDescriptorProto {
	var out []*descriptorpb.FileDescriptorProto
	byPkg := map[string]*descriptorpb.FileDescriptorProto{}
	for _, f := range files {
		m := byPkg[f.GetPackage()]
		if m == nil {
			m = &descriptorpb.FileDescriptorProto{Name: proto.String(name(f.GetPackage())), Package: f.Package, Syntax: f.Syntax}
			byPkg[f.GetPackage()] = m
			out = append(out, m)
		}
		m.MessageType = append(m.MessageType, f.MessageType...)
		m.EnumType = append(m.EnumType, f.EnumType...)
		m.Service = append(m.Service, f.Service...)
		m.Extension = append(m.Extension, f.Extension...)
		for _, dep := range f.GetDependency() {
			d := dep
			if renameDeps {
				d = name(packageOf(files, dep))
			}
			if packageOf(files, dep) != f.GetPackage() && !slices.Contains(m.Dependency, d) {
				m.Dependency = append(m.Dependency, d)
			}
		}
	}
	return out
}

func packageOf(files []*descriptorpb.FileDescriptorProto, name string) string {
	for _, f := range files {
		if f.GetName() == name {
			return f.GetPackage()
		}
	}
	return ""
}

// EachRef calls fn with the scope, referring field (nil for methods) and a
// pointer to every type name in the files.
func EachRef(files []*descriptorpb.FileDescriptorProto, fn func(scope string, field *descriptorpb.FieldDescriptorProto, name *string)) {
	for _, f := range files {
		var message func(scope string, m *descriptorpb.DescriptorProto)
		message = func(scope string, m *descriptorpb.DescriptorProto) {
			full := scope + "." + m.GetName()
			for _, fld := range m.GetField() {
				if fld.TypeName != nil {
					fn(full, fld, fld.TypeName)
				}
			}
			for _, n := range m.GetNestedType() {
				message(full, n)
			}
		}
		for _, m := range f.GetMessageType() {
			message(f.GetPackage(), m)
		}
		for _, s := range f.GetService() {
			for _, m := range s.GetMethod() {
				fn(f.GetPackage()+"."+s.GetName(), nil, m.InputType)
				fn(f.GetPackage()+"."+s.GetName(), nil, m.OutputType)
			}
		}
	}
}

// FindMessage finds the message full, nested or not, in files.
func FindMessage(files []*descriptorpb.FileDescriptorProto, full string) *descriptorpb.DescriptorProto {
	for _, f := range files {
		if m := descproto.Message(f, protoreflect.FullName(full)); m != nil {
			return m
		}
	}
	return nil
}

// RenameMessage renames a nested message and every reference to it.
func RenameMessage(files []*descriptorpb.FileDescriptorProto, full, newName string) {
	FindMessage(files, full).Name = proto.String(newName)
	renamed := "." + full[:strings.LastIndex(full, ".")+1] + newName
	EachRef(files, func(_ string, _ *descriptorpb.FieldDescriptorProto, name *string) {
		if *name == "."+full {
			*name = renamed
		}
	})
}

// SplitTypes moves State and Port out of workloads.proto into a file of
// their own, so that finding them takes a look-up of a type that is not a
// well-known one.
func SplitTypes(files []*descriptorpb.FileDescriptorProto) []*descriptorpb.FileDescriptorProto {
	types := &descriptorpb.FileDescriptorProto{Name: proto.String("sample/v1/types.proto"), Package: proto.String("sample.v1"), Syntax: proto.String("proto3")}
	for _, f := range files {
		if f.GetName() != "sample/v1/workloads.proto" {
			continue
		}
		var keep []*descriptorpb.DescriptorProto
		for _, m := range f.MessageType {
			if m.GetName() == "Port" {
				types.MessageType = append(types.MessageType, m)
			} else {
				keep = append(keep, m)
			}
		}
		f.MessageType, types.EnumType, f.EnumType = keep, f.EnumType, nil
		f.Dependency = append(f.Dependency, types.GetName())
	}
	return append(files, types)
}

// WithoutImports empties every file's dependency lists, as servers that
// synthesize files from a registry do.
func WithoutImports(files []*descriptorpb.FileDescriptorProto) []*descriptorpb.FileDescriptorProto {
	for _, f := range files {
		f.Dependency, f.PublicDependency, f.WeakDependency = nil, nil, nil
	}
	return files
}
