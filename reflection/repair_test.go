package reflection

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jhump/protoreflect/v2/grpcreflect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"sockscope/client"
	"sockscope/sample"
	"sockscope/sample/samplepb"
)

// servedFiles is what a hand-written reflection service serves: files that
// may be malformed in any way, looked up the way grpc-go's service does.
type servedFiles struct {
	files    []*descriptorpb.FileDescriptorProto
	services []string
	// everything makes every answer hold every file, as some servers do;
	// otherwise an answer holds the file and the ones it imports, each
	// once per stream, as grpc-go's does.
	everything bool
	streams    atomic.Int32
}

func (s *servedFiles) answer(req *refv1.ServerReflectionRequest, sent map[string]bool) *refv1.ServerReflectionResponse {
	resp := &refv1.ServerReflectionResponse{OriginalRequest: req}
	var file *descriptorpb.FileDescriptorProto
	switch r := req.MessageRequest.(type) {
	case *refv1.ServerReflectionRequest_ListServices:
		list := &refv1.ListServiceResponse{}
		for _, name := range s.services {
			list.Service = append(list.Service, &refv1.ServiceResponse{Name: name})
		}
		resp.MessageResponse = &refv1.ServerReflectionResponse_ListServicesResponse{ListServicesResponse: list}
		return resp
	case *refv1.ServerReflectionRequest_FileByFilename:
		file = s.byName(r.FileByFilename)
	case *refv1.ServerReflectionRequest_FileContainingSymbol:
		for _, f := range s.files {
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
	if s.everything {
		for _, f := range s.files {
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

func (s *servedFiles) byName(name string) *descriptorpb.FileDescriptorProto {
	for _, f := range s.files {
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
	s *servedFiles
}

func (v v1Service) ServerReflectionInfo(stream refv1.ServerReflection_ServerReflectionInfoServer) error {
	v.s.streams.Add(1)
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

func serveV1(s *servedFiles) func(*grpc.Server) {
	return func(srv *grpc.Server) { refv1.RegisterServerReflectionServer(srv, v1Service{s: s}) }
}

var sampleServices = []string{"sample.v1.Echo", "sample.v1.Workloads"}

// sampleDescriptors are the sample's files and the well-known files they
// import, as protoc makes them, each after the files it imports.
func sampleDescriptors() []*descriptorpb.FileDescriptorProto {
	return FileSet([]protoreflect.FileDescriptor{samplepb.File_sample_v1_echo_proto, samplepb.File_sample_v1_workloads_proto}, nil).File
}

// mergePerPackage puts every package's files into one file named by name(pkg),
// the way some stacks synthesize reflection from their runtime registry.
// Their imports keep naming the original files unless renameDeps.
func mergePerPackage(files []*descriptorpb.FileDescriptorProto, name func(pkg string) string, renameDeps bool) []*descriptorpb.FileDescriptorProto {
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
			if packageOf(files, dep) != f.GetPackage() && !contains(m.Dependency, d) {
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// eachRef calls fn with the scope, referring field (nil for methods) and a
// pointer to every type name in the files.
func eachRef(files []*descriptorpb.FileDescriptorProto, fn func(scope string, field *descriptorpb.FieldDescriptorProto, name *string)) {
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

func findMessage(files []*descriptorpb.FileDescriptorProto, full string) *descriptorpb.DescriptorProto {
	for _, f := range files {
		if m := messageInFile(f, protoreflect.FullName(full)); m != nil {
			return m
		}
	}
	return nil
}

// renameMessage renames a nested message and every reference to it.
func renameMessage(files []*descriptorpb.FileDescriptorProto, full, newName string) {
	findMessage(files, full).Name = proto.String(newName)
	renamed := "." + full[:strings.LastIndex(full, ".")+1] + newName
	eachRef(files, func(_ string, _ *descriptorpb.FieldDescriptorProto, name *string) {
		if *name == "."+full {
			*name = renamed
		}
	})
}

// splitTypes moves State and Port out of workloads.proto into a file of
// their own, so that finding them takes a look-up of a type that is not a
// well-known one.
func splitTypes(files []*descriptorpb.FileDescriptorProto) []*descriptorpb.FileDescriptorProto {
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

func withoutImports(files []*descriptorpb.FileDescriptorProto) []*descriptorpb.FileDescriptorProto {
	for _, f := range files {
		f.Dependency, f.PublicDependency, f.WeakDependency = nil, nil, nil
	}
	return files
}

type malformation struct {
	name  string
	serve func() *servedFiles
	// visible tells, from grpcreflect's view without the repair, whether
	// this malformation shows; nil means failsToResolve.
	visible func(res interface {
		FindDescriptorByName(protoreflect.FullName) (protoreflect.Descriptor, error)
	}) bool
}

// failsToResolve is what most malformations do to grpcreflect alone.
func failsToResolve(res interface {
	FindDescriptorByName(protoreflect.FullName) (protoreflect.Descriptor, error)
}) bool {
	for _, name := range []protoreflect.FullName{"sample.v1.Workloads", "sample.v1.Echo"} {
		if _, err := res.FindDescriptorByName(name); err != nil {
			return true
		}
	}
	return false
}

var malformations = []malformation{
	{
		name: "one synthetic file per package",
		serve: func() *servedFiles {
			files := mergePerPackage(sampleDescriptors(), func(pkg string) string { return pkg + ".proto" }, false)
			return &servedFiles{files: files, services: sampleServices}
		},
	},
	{
		name: "synthetic files overlapping real ones, all with one name",
		serve: func() *servedFiles {
			real := sampleDescriptors()
			synthetic := mergePerPackage(sampleDescriptors(), func(string) string { return "synthetic.proto" }, true)
			return &servedFiles{files: append(synthetic, real...), services: sampleServices, everything: true}
		},
	},
	{
		name: "empty dependency lists",
		serve: func() *servedFiles {
			return &servedFiles{files: withoutImports(splitTypes(sampleDescriptors())), services: sampleServices}
		},
	},
	{
		name: "type names without the leading dot, and no imports",
		serve: func() *servedFiles {
			files := splitTypes(sampleDescriptors())
			eachRef(files, func(_ string, _ *descriptorpb.FieldDescriptorProto, name *string) {
				*name = strings.TrimPrefix(*name, ".")
			})
			return &servedFiles{files: withoutImports(files), services: sampleServices}
		},
	},
	{
		name: "relative type names and no field kinds, and no imports",
		serve: func() *servedFiles {
			files := splitTypes(sampleDescriptors())
			eachRef(files, func(scope string, field *descriptorpb.FieldDescriptorProto, name *string) {
				if field != nil && (field.GetType() == descriptorpb.FieldDescriptorProto_TYPE_MESSAGE || field.GetType() == descriptorpb.FieldDescriptorProto_TYPE_ENUM) {
					field.Type = nil
				}
				// The shortest name protoc would resolve the same way.
				full := strings.TrimPrefix(*name, ".")
				*name = full
				for s := scope; ; s = s[:strings.LastIndex(s, ".")] {
					if rest, ok := strings.CutPrefix(full, s+"."); ok {
						*name = rest
						return
					}
					if !strings.Contains(s, ".") {
						return
					}
				}
			})
			return &servedFiles{files: withoutImports(files), services: sampleServices}
		},
	},
	{
		name: "map entries with the wrong names",
		serve: func() *servedFiles {
			files := sampleDescriptors()
			renameMessage(files, "sample.v1.Workload.LabelsEntry", "labels_map")
			renameMessage(files, "sample.v1.EchoReply.MetadataEntry", "MapFieldEntry")
			// Without its map_entry option, but clearly an entry.
			renameMessage(files, "sample.v1.ContainerSpec.EnvEntry", "EnvironmentEntry")
			findMessage(files, "sample.v1.ContainerSpec.EnvironmentEntry").Options = nil
			// Sharing another message's entry.
			list := findMessage(files, "sample.v1.ListWorkloadsRequest")
			list.NestedType = nil
			for _, f := range list.Field {
				if f.GetName() == "labels" {
					f.TypeName = proto.String(".sample.v1.Workload.labels_map")
				}
			}
			return &servedFiles{files: files, services: sampleServices}
		},
	},
	{
		name: "well-known types with other field names",
		serve: func() *servedFiles {
			files := sampleDescriptors()
			for _, f := range files {
				if f.GetName() == "google/protobuf/timestamp.proto" {
					ts := f.MessageType[0]
					ts.Field[0].Name, ts.Field[0].JsonName = proto.String("secs"), proto.String("secs")
					ts.Field[1].Name, ts.Field[1].JsonName = proto.String("nanoseconds"), proto.String("nanoseconds")
				}
			}
			return &servedFiles{files: files, services: sampleServices}
		},
		visible: func(res interface {
			FindDescriptorByName(protoreflect.FullName) (protoreflect.Descriptor, error)
		}) bool {
			d, err := res.FindDescriptorByName("google.protobuf.Timestamp")
			return err != nil || d.(protoreflect.MessageDescriptor).Fields().ByName("seconds") == nil
		},
	},
}

func TestRepairMalformedReflection(t *testing.T) {
	for _, m := range malformations {
		t.Run(m.name, func(t *testing.T) {
			served := m.serve()
			conn := dialSample(t, sample.ReflectionNone, serveV1(served))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			raw := grpcreflect.NewClientV1(ctx, refv1.NewServerReflectionClient(conn), grpcreflect.WithAllowMissingFileDescriptors())
			visible := m.visible
			if visible == nil {
				visible = failsToResolve
			}
			if !visible(raw.AsResolver()) {
				t.Errorf("grpcreflect alone copes with these descriptors, so the case tests nothing")
			}
			raw.Reset()

			_, src := openSource(t, conn, Options{})
			checkRepairedSample(t, ctx, src, conn)
		})
	}
}

// checkRepairedSample shows that --list, --describe, --template and --call
// work against the sample's schema as src sees it.
func checkRepairedSample(t *testing.T, ctx context.Context, src *Source, conn grpc.ClientConnInterface) {
	t.Helper()
	methods, err := src.Methods(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var names []string
	for _, md := range methods {
		names = append(names, MethodName(md))
	}
	for _, want := range []string{"sample.v1.Echo/Echo", "sample.v1.Workloads/ListWorkloads", "sample.v1.Workloads/WatchEvents"} {
		if !contains(names, want) {
			t.Errorf("list lacks %s: %v", want, names)
		}
	}

	for _, c := range []struct{ symbol, want string }{
		{"sample.v1.Workload", "map<string, string> labels = 4"},
		{"sample.v1.Workload", "google.protobuf.Timestamp created_at = 9"},
		{"sample.v1.Workload", "State state = 3"},
		{"sample.v1.Workload", "repeated Port ports = 8"},
		{"sample.v1.ContainerSpec", "map<string, string> env = 3"},
		{"sample.v1.ListWorkloadsRequest", "map<string, string> labels = 2"},
		{"sample.v1.EchoReply", "map<string, string> metadata = 2"},
		{"sample.v1.Workloads/ListWorkloads", "rpc ListWorkloads ( ListWorkloadsRequest ) returns ( ListWorkloadsResponse )"},
		{"google.protobuf.Timestamp", "int64 seconds = 1"},
	} {
		d, err := src.FindSymbol(ctx, c.symbol)
		if err != nil {
			t.Errorf("find %s: %v", c.symbol, err)
			continue
		}
		text, err := Describe(d)
		if err != nil {
			t.Errorf("describe %s: %v", c.symbol, err)
			continue
		}
		if !strings.Contains(text, c.want) {
			t.Errorf("describe %s lacks %q:\n%s", c.symbol, c.want, text)
		}
	}

	resolver := client.WithGlobalFallback(src.TypeResolver())
	for _, md := range methods {
		tmpl, err := Template(md.Input())
		if err != nil {
			t.Fatalf("template %s: %v", md.FullName(), err)
		}
		if err := (protojson.UnmarshalOptions{Resolver: resolver}).Unmarshal(tmpl, dynamicpb.NewMessage(md.Input())); err != nil {
			t.Errorf("template of %s does not round-trip: %v\n%s", md.FullName(), err, tmpl)
		}
	}
	md, err := src.FindMethod(ctx, "sample.v1.Workloads/CreateWorkload")
	if err != nil {
		t.Fatal(err)
	}
	if tmpl, _ := Template(md.Input()); !strings.Contains(string(tmpl), `"labels": {`) || !strings.Contains(string(tmpl), `"createdAt": "1970-01-01T00:00:00Z"`) {
		t.Errorf("template does not show a map and a timestamp:\n%s", tmpl)
	}

	for _, c := range []struct {
		method, request string
		want            []string
	}{
		{"sample.v1.Workloads/ListWorkloads", `{"labels": {"app": "web"}, "states": ["STATE_RUNNING"], "pageSize": 5}`,
			[]string{`"id":"web-1"`, `"labels":{"app":"web","env":"dev"}`, `"createdAt":"2026-11-01T09:30:00Z"`,
				`"env":{"NGINX_PORT":"8080"}`, `"uptime":"129600s"`, `"restarts":2`, `"state":"STATE_RUNNING"`}},
		{"sample.v1.Echo/Echo", `{"message": "hi"}`, []string{`"message":"hi"`, `"metadata":{`}},
	} {
		md, err := src.FindMethod(ctx, c.method)
		if err != nil {
			t.Fatal(err)
		}
		reader := client.NewRequestReader(strings.NewReader(c.request), md.Input(), resolver)
		format := &client.ReplyFormat{Resolver: resolver}
		var reply string
		result, err := client.Invoke(ctx, conn, md, nil, reader.Next, client.Handler{OnResponse: func(m proto.Message) error {
			b, err := format.Marshal(m)
			reply = string(b)
			return err
		}})
		if err != nil || result.Status.Code() != codes.OK {
			t.Fatalf("call %s: %v, %v", c.method, err, result.Status)
		}
		for _, want := range c.want {
			if !strings.Contains(reply, want) {
				t.Errorf("reply of %s lacks %s:\n%s", c.method, want, reply)
			}
		}
	}
}

func message(name string, fields ...*descriptorpb.FieldDescriptorProto) *descriptorpb.DescriptorProto {
	return &descriptorpb.DescriptorProto{Name: proto.String(name), Field: fields}
}

func messageField(name string, number int32, typeName string) *descriptorpb.FieldDescriptorProto {
	return &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(number), TypeName: proto.String(typeName),
		Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()}
}

func service(name, method, input, output string) *descriptorpb.ServiceDescriptorProto {
	return &descriptorpb.ServiceDescriptorProto{Name: proto.String(name), Method: []*descriptorpb.MethodDescriptorProto{
		{Name: proto.String(method), InputType: proto.String(input), OutputType: proto.String(output)}}}
}

func TestUnrepairableReflectionNamesTheSymbol(t *testing.T) {
	proto3 := proto.String("proto3")
	served := &servedFiles{
		// Every answer holds every file, so the broken ones come along
		// with the good one and must not spoil it.
		everything: true,
		services:   []string{"fine.v1.Svc", "amb.v1.Svc", "gone.v1.Svc", "cyc.v1.Svc"},
		files: []*descriptorpb.FileDescriptorProto{
			{Name: proto.String("fine/v1/fine.proto"), Package: proto.String("fine.v1"), Syntax: proto3,
				MessageType: []*descriptorpb.DescriptorProto{message("Ping")},
				Service:     []*descriptorpb.ServiceDescriptorProto{service("Svc", "Ping", "Ping", "fine.v1.Ping")}},
			// "Thing" is amb.v1.Thing by protoc's scoping, and the
			// top-level Thing if a leading dot was stripped.
			{Name: proto.String("thing.proto"), Syntax: proto3, MessageType: []*descriptorpb.DescriptorProto{message("Thing")}},
			{Name: proto.String("amb/v1/amb.proto"), Package: proto.String("amb.v1"), Syntax: proto3, Dependency: []string{"thing.proto"},
				MessageType: []*descriptorpb.DescriptorProto{message("Thing"), message("Req", messageField("thing", 1, "Thing"))},
				Service:     []*descriptorpb.ServiceDescriptorProto{service("Svc", "Call", ".amb.v1.Req", ".amb.v1.Req")}},
			{Name: proto.String("gone/v1/gone.proto"), Package: proto.String("gone.v1"), Syntax: proto3,
				MessageType: []*descriptorpb.DescriptorProto{message("Req", messageField("x", 1, ".missing.v1.Gone"))},
				Service:     []*descriptorpb.ServiceDescriptorProto{service("Svc", "Call", ".gone.v1.Req", ".gone.v1.Req")}},
			{Name: proto.String("cyc/v1/a.proto"), Package: proto.String("cyc.v1"), Syntax: proto3, Dependency: []string{"cyc/v1/b.proto"},
				MessageType: []*descriptorpb.DescriptorProto{message("A", messageField("b", 1, ".cyc.v1.B"))},
				Service:     []*descriptorpb.ServiceDescriptorProto{service("Svc", "Call", ".cyc.v1.A", ".cyc.v1.A")}},
			{Name: proto.String("cyc/v1/b.proto"), Package: proto.String("cyc.v1"), Syntax: proto3, Dependency: []string{"cyc/v1/a.proto"},
				MessageType: []*descriptorpb.DescriptorProto{message("B", messageField("a", 1, ".cyc.v1.A"))}},
		},
	}
	ctx, src := openSource(t, dialSample(t, sample.ReflectionNone, serveV1(served)), Options{})

	if md, err := src.FindMethod(ctx, "fine.v1.Svc/Ping"); err != nil || md.Input().FullName() != "fine.v1.Ping" {
		t.Fatalf("a good service next to broken ones: %v, %v", md, err)
	}
	for _, c := range []struct {
		method string
		want   []string
	}{
		{"amb.v1.Svc/Call", []string{"field amb.v1.Req.thing", `"Thing"`, "amb.v1.Thing or Thing"}},
		{"gone.v1.Svc/Call", []string{"field gone.v1.Req.x", `".missing.v1.Gone"`, "does not define"}},
		{"cyc.v1.Svc/Call", []string{"cyc/v1/a.proto -> cyc/v1/b.proto -> cyc/v1/a.proto"}},
	} {
		_, err := src.FindMethod(ctx, c.method)
		if !errors.Is(err, ErrMalformedReflection) {
			t.Errorf("%s: %v, want ErrMalformedReflection", c.method, err)
			continue
		}
		for _, want := range append(c.want, "--proto FILE", "--import-path DIR", "--protoset FILE") {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: the error lacks %s: %v", c.method, want, err)
			}
		}
	}
	if _, err := src.FindMethod(ctx, "fine.v1.Svc/Ping"); err != nil {
		t.Errorf("the good service after the broken ones: %v", err)
	}

	// Listing keeps the good service and says which ones it left out.
	services, err := src.Services(ctx)
	if err != nil {
		t.Fatalf("Services: %v", err)
	}
	if len(services) != 1 || services[0].FullName() != "fine.v1.Svc" {
		t.Errorf("services %v, want fine.v1.Svc alone", services)
	}
	left := errors.Join(src.LeftOut()...)
	for _, name := range []string{"service amb.v1.Svc", "service gone.v1.Svc", "service cyc.v1.Svc"} {
		if left == nil || !strings.Contains(left.Error(), name) {
			t.Errorf("LeftOut %v lacks %s", left, name)
		}
	}
}

// TestRepairLeavesWellFormedFilesAlone shows the cost of the repair for a
// correct server: served files are handed on byte for byte, and nothing is
// asked.
func TestRepairLeavesWellFormedFilesAlone(t *testing.T) {
	var all [][]byte
	var workloads []byte
	for _, f := range sampleDescriptors() {
		raw, err := proto.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, raw)
		if f.GetName() == "sample/v1/workloads.proto" {
			workloads = raw
		}
	}
	noSide := func() (sideStream, error) {
		t.Error("a look-up of its own for well-formed files")
		return nil, errors.New("not in this test")
	}
	for _, c := range []struct {
		name   string
		served [][]byte
	}{
		{"with its imports", all},
		// A server that leaves the imports to be asked for separately.
		{"alone", [][]byte{workloads}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := newRepairer().repair(reflectionRequest{kind: askFile, name: "sample/v1/workloads.proto"}, c.served, noSide)
			if err != nil {
				t.Fatal(err)
			}
			if string(out[0]) != string(workloads) {
				t.Fatalf("the asked-for file is not first and unchanged")
			}
			served := map[string]bool{}
			for _, raw := range c.served {
				served[string(raw)] = true
			}
			for _, raw := range out {
				if served[string(raw)] {
					delete(served, string(raw))
					continue
				}
				// protobuf-go's own well-known files may come along, so
				// grpcreflect need not ask for them.
				var fd descriptorpb.FileDescriptorProto
				_ = proto.Unmarshal(raw, &fd)
				if cf, ok := canonical(fd.GetName()); !ok || string(raw) != string(cf.raw) {
					t.Errorf("%s was changed", fd.GetName())
				}
			}
			if len(served) > 0 {
				t.Errorf("%d served files were left out", len(served))
			}
		})
	}
}

func TestRepairedTypeNamesAreQualified(t *testing.T) {
	files := sampleDescriptors()
	eachRef(files, func(_ string, field *descriptorpb.FieldDescriptorProto, name *string) {
		*name = strings.TrimPrefix(*name, ".")
		if field != nil && field.GetType() != descriptorpb.FieldDescriptorProto_TYPE_GROUP {
			field.Type = nil
		}
	})
	var served [][]byte
	for _, f := range files {
		raw, err := proto.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		served = append(served, raw)
	}
	out, err := newRepairer().repair(reflectionRequest{kind: askSymbol, name: "sample.v1.Workloads"}, served, func() (sideStream, error) {
		return nil, errors.New("not in this test")
	})
	if err != nil {
		t.Fatal(err)
	}
	var repaired []*descriptorpb.FileDescriptorProto
	for _, raw := range out {
		fd := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(raw, fd); err != nil {
			t.Fatal(err)
		}
		repaired = append(repaired, fd)
	}
	if repaired[0].GetName() != "sample/v1/workloads.proto" {
		t.Errorf("the file defining the symbol is not first: %s", repaired[0].GetName())
	}
	eachRef(repaired, func(scope string, field *descriptorpb.FieldDescriptorProto, name *string) {
		if !strings.HasPrefix(*name, ".") {
			t.Errorf("in %s: %q is not fully qualified", scope, *name)
		}
		if field != nil && field.Type == nil {
			t.Errorf("in %s: field %s has no type", scope, field.GetName())
		}
	})
	if _, err := protodesc.NewFiles(&descriptorpb.FileDescriptorSet{File: repaired}); err != nil {
		t.Errorf("the repaired files do not build: %v", err)
	}
	for _, fd := range repaired {
		if fd.GetName() != "sample/v1/workloads.proto" {
			continue
		}
		want := []string{"google/protobuf/any.proto", "google/protobuf/duration.proto", "google/protobuf/field_mask.proto",
			"google/protobuf/struct.proto", "google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto"}
		if strings.Join(fd.GetDependency(), " ") != strings.Join(want, " ") {
			t.Errorf("imports changed although they were right: %v", fd.GetDependency())
		}
	}
}

func TestTypeURLWithoutPrefixResolves(t *testing.T) {
	ctx, src := openSource(t, dialSample(t, sample.ReflectionV1, nil), Options{})
	// Detection happens on first use; the resolver asks reflection after it.
	if _, err := src.Services(ctx); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"sample.v1.StateChange", "type.googleapis.com/sample.v1.StateChange", "example.com/x/sample.v1.StateChange"} {
		mt, err := src.TypeResolver().FindMessageByURL(url)
		if err != nil || mt.Descriptor().FullName() != "sample.v1.StateChange" {
			t.Errorf("%s: %v, %v", url, mt, err)
		}
	}
}

// TestBuiltinTypesBeforeReflection checks that google.rpc and well-known
// types in Any fields and error details resolve to protobuf-go's own, with no
// reflection round trip, even when the server serves their files too.
func TestBuiltinTypesBeforeReflection(t *testing.T) {
	ctx, src := openSource(t, dialSample(t, sample.ReflectionV1, nil), Options{})
	if _, err := src.Services(ctx); err != nil {
		t.Fatal(err)
	}
	for url, want := range map[string]protoreflect.MessageDescriptor{
		"type.googleapis.com/google.rpc.BadRequest":     (&errdetails.BadRequest{}).ProtoReflect().Descriptor(),
		"type.googleapis.com/google.protobuf.Timestamp": (&timestamppb.Timestamp{}).ProtoReflect().Descriptor(),
	} {
		mt, err := src.TypeResolver().FindMessageByURL(url)
		if err != nil || mt.Descriptor() != want {
			t.Errorf("%s resolved to %v (%v), want protobuf-go's own", url, mt, err)
		}
	}
	// Other types still come from the server.
	mt, err := src.TypeResolver().FindMessageByURL("type.googleapis.com/sample.v1.StateChange")
	if err != nil || mt.Descriptor() == (&samplepb.StateChange{}).ProtoReflect().Descriptor() {
		t.Errorf("sample.v1.StateChange resolved to %v (%v), want the server's", mt, err)
	}
}
