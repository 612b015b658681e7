package reflection

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jhump/protoreflect/v2/grpcreflect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/client"
	"sockscope/reflection/internal/reflectiontest"
	"sockscope/sample"
)

// malformation is one way servers get reflection wrong, with a server
// that gets it wrong that way.
type malformation struct {
	name  string
	serve func() *reflectiontest.ServedFiles
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
		serve: func() *reflectiontest.ServedFiles {
			files := reflectiontest.MergePerPackage(reflectiontest.SampleDescriptors(), func(pkg string) string { return pkg + ".proto" }, false)
			return &reflectiontest.ServedFiles{Files: files, Services: reflectiontest.SampleServices}
		},
	},
	{
		name: "synthetic files overlapping real ones, all with one name",
		serve: func() *reflectiontest.ServedFiles {
			real := reflectiontest.SampleDescriptors()
			synthetic := reflectiontest.MergePerPackage(reflectiontest.SampleDescriptors(), func(string) string { return "synthetic.proto" }, true)
			return &reflectiontest.ServedFiles{Files: append(synthetic, real...), Services: reflectiontest.SampleServices, Everything: true}
		},
	},
	{
		name: "empty dependency lists",
		serve: func() *reflectiontest.ServedFiles {
			return &reflectiontest.ServedFiles{Files: reflectiontest.WithoutImports(reflectiontest.SplitTypes(reflectiontest.SampleDescriptors())), Services: reflectiontest.SampleServices}
		},
	},
	{
		name: "type names without the leading dot, and no imports",
		serve: func() *reflectiontest.ServedFiles {
			files := reflectiontest.SplitTypes(reflectiontest.SampleDescriptors())
			reflectiontest.EachRef(files, func(_ string, _ *descriptorpb.FieldDescriptorProto, name *string) {
				*name = strings.TrimPrefix(*name, ".")
			})
			return &reflectiontest.ServedFiles{Files: reflectiontest.WithoutImports(files), Services: reflectiontest.SampleServices}
		},
	},
	{
		name: "relative type names and no field kinds, and no imports",
		serve: func() *reflectiontest.ServedFiles {
			files := reflectiontest.SplitTypes(reflectiontest.SampleDescriptors())
			reflectiontest.EachRef(files, func(scope string, field *descriptorpb.FieldDescriptorProto, name *string) {
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
			return &reflectiontest.ServedFiles{Files: reflectiontest.WithoutImports(files), Services: reflectiontest.SampleServices}
		},
	},
	{
		name: "map entries with the wrong names",
		serve: func() *reflectiontest.ServedFiles {
			files := reflectiontest.SampleDescriptors()
			reflectiontest.RenameMessage(files, "sample.v1.Workload.LabelsEntry", "labels_map")
			reflectiontest.RenameMessage(files, "sample.v1.EchoReply.MetadataEntry", "MapFieldEntry")
			// Without its map_entry option, but clearly an entry.
			reflectiontest.RenameMessage(files, "sample.v1.ContainerSpec.EnvEntry", "EnvironmentEntry")
			reflectiontest.FindMessage(files, "sample.v1.ContainerSpec.EnvironmentEntry").Options = nil
			// Sharing another message's entry.
			list := reflectiontest.FindMessage(files, "sample.v1.ListWorkloadsRequest")
			list.NestedType = nil
			for _, f := range list.Field {
				if f.GetName() == "labels" {
					f.TypeName = proto.String(".sample.v1.Workload.labels_map")
				}
			}
			return &reflectiontest.ServedFiles{Files: files, Services: reflectiontest.SampleServices}
		},
	},
	{
		name: "well-known types with other field names",
		serve: func() *reflectiontest.ServedFiles {
			files := reflectiontest.SampleDescriptors()
			for _, f := range files {
				if f.GetName() == "google/protobuf/timestamp.proto" {
					ts := f.MessageType[0]
					ts.Field[0].Name, ts.Field[0].JsonName = proto.String("secs"), proto.String("secs")
					ts.Field[1].Name, ts.Field[1].JsonName = proto.String("nanoseconds"), proto.String("nanoseconds")
				}
			}
			return &reflectiontest.ServedFiles{Files: files, Services: reflectiontest.SampleServices}
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
			conn := dialSample(t, sample.ReflectionNone, reflectiontest.ServeV1(served))
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
		if !slices.Contains(names, want) {
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
		reader := client.NewReader(client.InputJSON, strings.NewReader(c.request), md.Input(), resolver, client.ReaderOptions{})
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

// message, messageField and service build the descriptors of hand-made
// malformed files.
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
	served := &reflectiontest.ServedFiles{
		// Every answer holds every file, so the broken ones come along
		// with the good one and must not spoil it.
		Everything: true,
		Services:   []string{"fine.v1.Svc", "amb.v1.Svc", "gone.v1.Svc", "cyc.v1.Svc"},
		Files: []*descriptorpb.FileDescriptorProto{
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
	ctx, src := openSource(t, dialSample(t, sample.ReflectionNone, reflectiontest.ServeV1(served)), Options{})

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

func TestRepairMalformedReflectionV1Alpha(t *testing.T) {
	for _, m := range malformations {
		t.Run(m.name, func(t *testing.T) {
			conn := dialSample(t, sample.ReflectionNone, reflectiontest.ServeV1Alpha(m.serve()))
			ctx, src := openSource(t, conn, Options{})
			checkRepairedSample(t, ctx, src, conn)
			if got := src.Reflection(); got != ReflectionV1Alpha {
				t.Errorf("Reflection() = %q, want %q", got, ReflectionV1Alpha)
			}
		})
	}
}
