package reflection

import (
	"fmt"
	"os"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"sockscope/reflection/internal/descproto"
)

// FileSet is files and everything they import, each after its imports, as
// a FileDescriptorSet (comments included where the schema has them). keep,
// when not nil, says which files go in: an import left out is still
// followed for the files it imports.
func FileSet(files []protoreflect.FileDescriptor, keep func(path string) bool) *descriptorpb.FileDescriptorSet {
	return descproto.FileSet(files, keep)
}

// readLazyProtoset reads a binary FileDescriptorSet file without building
// its files.
func readLazyProtoset(path string) (*lazySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("protoset: %w", err)
	}
	set, err := newLazySet(b)
	if err != nil {
		return nil, fmt.Errorf("protoset %s: %w", path, err)
	}
	return set, nil
}

// readProtoset reads a binary FileDescriptorSet file.
func readProtoset(path string) ([]protoreflect.FileDescriptor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("protoset: %w", err)
	}
	files, err := parseProtoset(b)
	if err != nil {
		return nil, fmt.Errorf("protoset %s: %w", path, err)
	}
	return files, nil
}

// parseProtoset builds the files of a binary FileDescriptorSet, in the
// set's order. Imports the set does not hold may be well-known or
// google.rpc files: those come from the copies linked into sockscope, so a
// set written without them (protoc without --include_imports, or the
// built-in schemas) still builds.
func parseProtoset(b []byte) ([]protoreflect.FileDescriptor, error) {
	set, err := newLazySet(b)
	if err != nil {
		return nil, err
	}
	return set.all()
}

// withBuiltins resolves from files first, then from the well-known and
// google.rpc files linked into sockscope; nothing else linked in (the
// sample's API, say) leaks into a schema.
type withBuiltins struct{ files *protoregistry.Files }

func (r withBuiltins) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if fd, err := r.files.FindFileByPath(path); err == nil {
		return fd, nil
	}
	if strings.HasPrefix(path, "google/protobuf/") || strings.HasPrefix(path, "google/rpc/") {
		return protoregistry.GlobalFiles.FindFileByPath(path)
	}
	return nil, protoregistry.NotFound
}

func (r withBuiltins) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := r.files.FindDescriptorByName(name); err == nil {
		return d, nil
	}
	if d, err := protoregistry.GlobalFiles.FindDescriptorByName(name); err == nil && isBuiltin(d) {
		return d, nil
	}
	return nil, protoregistry.NotFound
}
