package reflection

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/reflection/internal/reflectiontest"
	"sockscope/sample"
)

// legacyProtoDir holds interop.v1's proto2 file, which the non-Go test
// servers serve too.
var legacyProtoDir = filepath.Join("..", "interop", "proto")

func legacyFile(t *testing.T) protoreflect.FileDescriptor {
	t.Helper()
	src, err := Open(context.Background(), nil, Options{ProtoFiles: []string{"interop/v1/legacy.proto"}, ImportPaths: []string{legacyProtoDir}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := src.FindSymbol(context.Background(), "interop.v1.Device")
	if err != nil {
		t.Fatal(err)
	}
	return d.ParentFile()
}

// asProtobufJS is legacy.proto as grpc-js's reflection serves it: called
// proto3, every field marked packed = false.
func asProtobufJS(fd protoreflect.FileDescriptor) *descriptorpb.FileDescriptorProto {
	fdp := protodesc.ToFileDescriptorProto(fd)
	fdp.Syntax = proto.String("proto3")
	for _, m := range fdp.MessageType {
		for _, f := range m.Field {
			if f.Options == nil {
				f.Options = &descriptorpb.FieldOptions{}
			}
			f.Options.Packed = proto.Bool(false)
		}
	}
	return fdp
}

// TestProto2Defaults is finding 2 of issue 13 over the schema sources that
// can carry proto2: its file, and reflection that calls it proto3 as
// grpc-js's does. A template holds the declared defaults, and read back it
// leaves a proto2 message as the defaults would.
func TestProto2Defaults(t *testing.T) {
	fd := legacyFile(t)
	cases := []struct {
		name string
		open func(t *testing.T) (context.Context, *Source)
	}{
		{"proto file", func(t *testing.T) (context.Context, *Source) {
			return openSource(t, nil, Options{ProtoFiles: []string{"interop/v1/legacy.proto"}, ImportPaths: []string{legacyProtoDir}})
		}},
		{"reflection calling it proto3", func(t *testing.T) (context.Context, *Source) {
			served := &reflectiontest.ServedFiles{Files: []*descriptorpb.FileDescriptorProto{asProtobufJS(fd)}, Services: []string{"interop.v1.Legacy"}}
			conn := dialSample(t, sample.ReflectionNone, func(srv *grpc.Server) { reflectiontest.ServeV1(served)(srv) })
			return openSource(t, conn, Options{})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, src := c.open(t)
			md, err := src.FindMethod(ctx, "interop.v1.Legacy/Register")
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := Template(md.Input())
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`"name": "unnamed"`, `"retries": 3`, `"mode": "MODE_SAFE"`, `"enabled": true`,
				`"ratio": 0.5`, `"quota": "1000000"`, `"fallback": "MODE_FAST"`, `"tag": "YWI="`, `"id": ""`} {
				if !strings.Contains(string(tmpl), want) {
					t.Errorf("template lacks %s:\n%s", want, tmpl)
				}
			}
			msg := dynamicpb.NewMessage(md.Input())
			if err := protojson.Unmarshal(tmpl, msg); err != nil {
				t.Fatalf("template does not read back: %v\n%s", err, tmpl)
			}
			empty := dynamicpb.NewMessage(md.Input())
			fields := md.Input().Fields()
			for i := 0; i < fields.Len(); i++ {
				f := fields.Get(i)
				if got, want := msg.Get(f), empty.Get(f); !got.Equal(want) {
					t.Errorf("%s read back from the template is %v, where unset it is %v", f.Name(), got, want)
				}
			}
			text, err := Describe(md.Input())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, `[default = "unnamed"]`) || strings.Contains(text, "packed") {
				t.Errorf("describe:\n%s", text)
			}
		})
	}
}
