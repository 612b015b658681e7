package reflection

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// TestUnknownServiceMarksNotServed: a server without reflection whose
// schema comes from files answers a service it does not have UNIMPLEMENTED
// "unknown service"; from then on listings leave it out, unless
// ShowUnserved.
func TestUnknownServiceMarksNotServed(t *testing.T) {
	for _, showAll := range []bool{false, true} {
		conn := dialSocket(t, bareServer(t, "bare.sock"))
		ctx, src := openSource(t, conn, Options{ProtoFiles: []string{"interop/v1/legacy.proto"}, ImportPaths: []string{legacyProtoDir}, ShowUnserved: showAll})
		md, err := src.FindMethod(ctx, "interop.v1.Legacy/Register")
		if err != nil {
			t.Fatal(err)
		}
		err = conn.Invoke(ctx, "/interop.v1.Legacy/Register", emptyRequest(md), emptyRequest(md))
		src.NoteAnswer(md, status.Convert(err))
		if status.Code(err) != codes.Unimplemented {
			t.Fatalf("a bare server answered %v", err)
		}
		if _, ok := src.NotServed()["interop.v1.Legacy"]; !ok {
			t.Errorf("not marked: %v", src.NotServed())
		}
		services, err := src.Services(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed := slices.ContainsFunc(services, func(sd protoreflect.ServiceDescriptor) bool { return sd.FullName() == "interop.v1.Legacy" })
		if listed != showAll {
			t.Errorf("ShowUnserved %v: listed %v", showAll, listed)
		}
	}
}

// emptyRequest is md's request with its required field set.
func emptyRequest(md protoreflect.MethodDescriptor) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md.Input())
	m.Set(md.Input().Fields().ByName("id"), protoreflect.ValueOfString("d1"))
	return m
}
