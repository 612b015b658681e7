package reflection

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/reflection/internal/reflectiontest"
	"sockscope/sample"
	"sockscope/sample/samplepb"
)

func tableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ssr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// serveSample runs the sample's services on a real unix socket called
// name, with reflection mode and whatever register adds, and returns its path.
func serveSample(t *testing.T, name string, mode sample.Reflection, register func(*grpc.Server)) string {
	t.Helper()
	path := filepath.Join(tableTempDir(t), name)
	lis, err := sample.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := sample.NewServer(sample.Options{Reflection: mode})
	if register != nil {
		register(srv)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return path
}

// dialSample serves the sample as serveSample does and dials it.
func dialSample(t *testing.T, mode sample.Reflection, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	return dialSocket(t, serveSample(t, "s.sock", mode, register))
}

// openSource opens a Source on conn for the length of the test, under a
// deadline that turns a hang into a failure.
func openSource(t *testing.T, conn grpc.ClientConnInterface, opts Options) (context.Context, *Source) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	src, err := Open(ctx, conn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(src.Close)
	return ctx, src
}

func tableProtoDir(t *testing.T) string {
	t.Helper()
	dir := tableTempDir(t)
	if err := os.CopyFS(dir, sample.ProtoTree()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func tableProtoset(t *testing.T) string {
	t.Helper()
	set := &descriptorpb.FileDescriptorSet{File: reflectiontest.SampleDescriptors()}
	b, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(tableTempDir(t), "sample.protoset")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type sourceCase struct {
	name       string
	mode       sample.Reflection
	opts       func(t *testing.T) Options
	reflection string
	comments   bool // the source carries the .proto comments
}

var sourceCases = []sourceCase{
	{"reflection v1", sample.ReflectionV1, func(*testing.T) Options { return Options{} }, ReflectionV1, true},
	{"reflection v1alpha", sample.ReflectionV1Alpha, func(*testing.T) Options { return Options{} }, ReflectionV1Alpha, true},
	{"proto files", sample.ReflectionNone, func(t *testing.T) Options {
		return Options{ProtoFiles: sample.ProtoFiles, ImportPaths: []string{tableProtoDir(t)}}
	}, ReflectionNone, true},
	{"protoset", sample.ReflectionNone, func(t *testing.T) Options {
		return Options{Protosets: []string{tableProtoset(t)}}
	}, ReflectionNone, false},
}

func TestSourcesTable(t *testing.T) {
	for _, c := range sourceCases {
		t.Run(c.name, func(t *testing.T) {
			ctx, src := openSource(t, dialSample(t, c.mode, nil), c.opts(t))

			methods, err := src.Methods(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, md := range methods {
				names = append(names, MethodName(md))
			}
			joined := strings.Join(names, " ")
			for _, want := range []string{"sample.v1.Echo/Echo", "sample.v1.Echo/Chat", "sample.v1.Workloads/WatchEvents"} {
				if !strings.Contains(joined, want) {
					t.Errorf("methods lack %s: %s", want, joined)
				}
			}
			if strings.Contains(joined, "grpc.reflection") {
				t.Errorf("methods list the reflection service: %s", joined)
			}
			for i := 1; i < len(names); i++ {
				if names[i-1] > names[i] {
					t.Errorf("methods not sorted: %s before %s", names[i-1], names[i])
				}
			}
			if got := src.Reflection(); got != c.reflection {
				t.Errorf("Reflection() = %q, want %q", got, c.reflection)
			}

			for _, form := range []string{"sample.v1.Echo/Echo", "sample.v1.Echo.Echo", "/sample.v1.Echo/Echo"} {
				md, err := src.FindMethod(ctx, form)
				if err != nil || md.FullName() != "sample.v1.Echo.Echo" {
					t.Errorf("FindMethod(%q) = %v, %v", form, md, err)
				}
			}
			if _, err := src.FindMethod(ctx, "sample.v1.Echo/Nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown method: %v, want ErrNotFound", err)
			}
			if _, err := src.FindSymbol(ctx, "sample.v1.NoSuchMessage"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown symbol: %v, want ErrNotFound", err)
			}
			for _, sym := range []string{"sample.v1.State", "sample.v1.Port.Protocol", ".sample.v1.Workload"} {
				if _, err := src.FindSymbol(ctx, sym); err != nil {
					t.Errorf("FindSymbol(%q): %v", sym, err)
				}
			}

			// Every method's template is accepted back as its request.
			resolver := src.TypeResolver()
			for _, md := range methods {
				tmpl, err := Template(md.Input())
				if err != nil {
					t.Fatalf("template %s: %v", md.FullName(), err)
				}
				msg := dynamicpb.NewMessage(md.Input())
				if err := (protojson.UnmarshalOptions{Resolver: resolver}).Unmarshal(tmpl, msg); err != nil {
					t.Errorf("template of %s does not round-trip: %v\n%s", md.FullName(), err, tmpl)
				}
			}

			svc, err := src.FindSymbol(ctx, "sample.v1.Echo")
			if err != nil {
				t.Fatal(err)
			}
			text, err := Describe(svc)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, "rpc Echo") {
				t.Errorf("describe lacks rpc Echo:\n%s", text)
			}
			if c.comments && !strings.Contains(text, "Echo exercises every RPC kind") {
				t.Errorf("describe lacks the service comment:\n%s", text)
			}
			md, _ := src.FindSymbol(ctx, "sample.v1.Echo/Count")
			if text, _ := Describe(md); !strings.Contains(text, "message CountRequest") || !strings.Contains(text, "stream CountReply") {
				t.Errorf("describe of a method lacks its messages:\n%s", text)
			}
		})
	}
}

func TestWorkloadTemplateShape(t *testing.T) {
	tmpl, err := Template((&samplepb.CreateWorkloadRequest{}).ProtoReflect().Descriptor())
	if err != nil {
		t.Fatal(err)
	}
	text := string(tmpl)
	for _, want := range []string{`"container"`, `"description"`, `"createdAt": "1970-01-01T00:00:00Z"`, `"uptime": "0s"`,
		`"restarts": 0`, `"annotations": {}`, `"checksum": ""`, `"state": "STATE_UNSPECIFIED"`, `"labels": {`, `"ports": [`} {
		if !strings.Contains(text, want) {
			t.Errorf("template lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, `"vm"`) {
		t.Errorf("template sets two members of one oneof:\n%s", text)
	}
}

func TestTemplateRoundTripsDescriptorProto(t *testing.T) {
	msgs := descriptorpb.File_google_protobuf_descriptor_proto.Messages()
	var all []protoreflect.MessageDescriptor
	var walk func(protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			all = append(all, ms.Get(i))
			walk(ms.Get(i).Messages())
		}
	}
	walk(msgs)
	for _, md := range all {
		if md.IsMapEntry() {
			continue
		}
		tmpl, err := Template(md)
		if err != nil {
			t.Fatal(err)
		}
		if err := protojson.Unmarshal(tmpl, dynamicpb.NewMessage(md)); err != nil {
			t.Errorf("%s: %v\n%s", md.FullName(), err, tmpl)
		}
	}
}

func TestNoReflectionWithoutFiles(t *testing.T) {
	ctx, src := openSource(t, dialSample(t, sample.ReflectionNone, nil), Options{})
	_, err := src.FindMethod(ctx, "sample.v1.Echo/Echo")
	if !errors.Is(err, ErrNoReflection) {
		t.Fatalf("err %v, want ErrNoReflection", err)
	}
	for _, want := range []string{"--proto", "--import-path", "--protoset"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %s: %v", want, err)
		}
	}
}

func TestBadProtoFileNamesThePlace(t *testing.T) {
	dir := tableTempDir(t)
	bad := filepath.Join(dir, "bad.proto")
	if err := os.WriteFile(bad, []byte("syntax = \"proto3\";\nmessage M {\n  strin name = 1;\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), nil, Options{ProtoFiles: []string{bad}})
	if err == nil || !strings.Contains(err.Error(), "bad.proto:3:") {
		t.Fatalf("err %v, want one naming bad.proto:3:COL", err)
	}
}

func TestTypeResolverKnowsErrorDetails(t *testing.T) {
	src, err := Open(context.Background(), nil, Options{Protosets: []string{tableProtoset(t)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"type.googleapis.com/google.rpc.BadRequest", "type.googleapis.com/sample.v1.StateChange"} {
		if _, err := src.TypeResolver().FindMessageByURL(url); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
}
