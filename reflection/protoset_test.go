package reflection

import (
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"sockscope/sample/samplepb"
)

// TestBuiltinSchemasLoad builds every embedded daemon API, as a first use
// would, and checks each schema has its protoset and each protoset a schema.
func TestBuiltinSchemasLoad(t *testing.T) {
	var names []string
	for _, s := range daemonSchemas {
		names = append(names, s.Name)
		files, err := s.allFiles()
		if err != nil {
			t.Errorf("schema %s: %v", s.Name, err)
			continue
		}
		if len(s.Services()) == 0 {
			t.Errorf("schema %s has no services in its %d files", s.Name, len(files))
		}
		if _, err := s.registry(); err != nil {
			t.Errorf("schema %s: %v", s.Name, err)
		}
	}
	embedded, err := fs.Glob(builtinProtosets, "schemas/*.protoset")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range embedded {
		embedded[i] = strings.TrimSuffix(strings.TrimPrefix(p, "schemas/"), ".protoset")
	}
	sort.Strings(names)
	if strings.Join(names, " ") != strings.Join(embedded, " ") {
		t.Errorf("schemas %v, embedded protosets %v", names, embedded)
	}
}

// sampleSet is the sample API's file alone, without the well-known files
// it imports, as protoc writes it without --include_imports.
func sampleSet(t *testing.T) *descriptorpb.FileDescriptorSet {
	t.Helper()
	return &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{
		protodesc.ToFileDescriptorProto(samplepb.File_sample_v1_workloads_proto),
	}}
}

func TestProtosetWithoutWellKnownImports(t *testing.T) {
	b, err := proto.Marshal(sampleSet(t))
	if err != nil {
		t.Fatal(err)
	}
	files, err := parseProtoset(b)
	if err != nil {
		t.Fatalf("a set that leaves out the well-known files it imports: %v", err)
	}
	if len(files) != 1 || files[0].Services().Len() == 0 {
		t.Fatalf("files %v", files)
	}
	if files[0] == samplepb.File_sample_v1_workloads_proto {
		t.Error("the set's file should be built from the set, not taken from the linked copy")
	}
}

func TestProtosetErrors(t *testing.T) {
	missing := sampleSet(t)
	missing.File[0].Dependency = append(missing.File[0].Dependency, "vendor/extra.proto")
	dup := sampleSet(t)
	dup.File = append(dup.File, dup.File[0])
	for _, tc := range []struct {
		name string
		set  *descriptorpb.FileDescriptorSet
		want string
	}{
		{"missing import", missing, `imports "vendor/extra.proto", which the set does not hold`},
		{"file twice", dup, "appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := proto.Marshal(tc.set)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := parseProtoset(b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := parseProtoset([]byte("not a protoset")); err == nil || !strings.Contains(err.Error(), "not a FileDescriptorSet") {
		t.Errorf("garbage: %v", err)
	}
}

// TestLazySetBuildsWhatIsUsed looks up symbols of the built-in containerd
// schema and checks that only their packages' files get built.
func TestLazySetBuildsWhatIsUsed(t *testing.T) {
	b, err := builtinProtosets.ReadFile("schemas/containerd.protoset")
	if err != nil {
		t.Fatal(err)
	}
	set, err := newLazySet(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := set.services(); !slices.Contains(got, "containerd.services.version.v1.Version") || !slices.Contains(got, "runtime.v1.RuntimeService") {
		t.Errorf("services %v", got)
	}
	if set.built.NumFiles() != 0 {
		t.Fatalf("naming the services built %d files", set.built.NumFiles())
	}
	for _, name := range []protoreflect.FullName{
		"containerd.services.version.v1.Version",                  // a service
		"containerd.services.version.v1.Version.Version",          // its method
		"containerd.services.version.v1.VersionResponse.revision", // a field
	} {
		if d, err := set.FindDescriptorByName(name); err != nil || d.FullName() != name {
			t.Errorf("%s: %v, %v", name, d, err)
		}
	}
	if n := set.built.NumFiles(); n != 1 {
		t.Errorf("looking up the version API built %d files, want its one", n)
	}
	if _, err := set.FindDescriptorByName("runtime.v1.NoSuchMessage"); err == nil {
		t.Error("an unknown name was found")
	}
	if d, err := set.FindDescriptorByName("containerd.types.Mount"); err != nil || d.ParentFile().Path() != "types/mount.proto" {
		t.Errorf("a message in a shared package: %v, %v", d, err)
	}
	all, err := set.all()
	if err != nil || len(all) != set.NumFiles() {
		t.Errorf("all: %d files, %v", len(all), err)
	}
}
