package repair

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"sockscope/reflection/internal/reflectiontest"
)

// TestRepairLeavesWellFormedFilesAlone shows the cost of the repair for a
// correct server: served files are handed on byte for byte, and nothing is
// asked.
func TestRepairLeavesWellFormedFilesAlone(t *testing.T) {
	var all [][]byte
	var workloads []byte
	for _, f := range reflectiontest.SampleDescriptors() {
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
	files := reflectiontest.SampleDescriptors()
	reflectiontest.EachRef(files, func(_ string, field *descriptorpb.FieldDescriptorProto, name *string) {
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
	reflectiontest.EachRef(repaired, func(scope string, field *descriptorpb.FieldDescriptorProto, name *string) {
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
