package reflection

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"sockscope/sample"
	"sockscope/sample/samplepb"
)

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
