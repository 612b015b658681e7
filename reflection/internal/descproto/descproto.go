// Package descproto owns the few walks over descriptor protos that both the
// reflection packages and their test fixtures need: building a
// FileDescriptorSet in import order, and finding a message in a file. It
// sits below them so that test fixtures can use it without importing the
// code they test.
package descproto

import (
	"strings"

	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// FileSet is files and everything they import, each after its imports, as
// a FileDescriptorSet (comments included where the schema has them). keep,
// when not nil, says which files go in: an import left out is still
// followed for the files it imports.
func FileSet(files []protoreflect.FileDescriptor, keep func(path string) bool) *descriptorpb.FileDescriptorSet {
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		for i := 0; i < fd.Imports().Len(); i++ {
			add(fd.Imports().Get(i).FileDescriptor)
		}
		if keep == nil || keep(fd.Path()) {
			set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
		}
	}
	for _, fd := range files {
		add(fd)
	}
	return set
}

// Message finds the message n, nested or not, among fd's; nil when fd does
// not define it.
func Message(fd *descriptorpb.FileDescriptorProto, n protoreflect.FullName) *descriptorpb.DescriptorProto {
	rest := strings.TrimPrefix(string(n), fd.GetPackage())
	if fd.GetPackage() != "" {
		if !strings.HasPrefix(rest, ".") {
			return nil
		}
		rest = rest[1:]
	}
	msgs := fd.GetMessageType()
	var m *descriptorpb.DescriptorProto
	for _, part := range strings.Split(rest, ".") {
		m = nil
		for _, c := range msgs {
			if c.GetName() == part {
				m = c
				break
			}
		}
		if m == nil {
			return nil
		}
		msgs = m.GetNestedType()
	}
	return m
}
