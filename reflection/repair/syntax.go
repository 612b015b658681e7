package repair

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// fixSyntax makes a file that says proto3 and holds what only proto2 can
// (a declared default, a required field, an enum whose first value is not
// zero) a proto2 file, which is what it was written as: protobuf.js, behind
// grpc-js's reflection, writes every file it serves as proto3. protobuf-go
// rejects such a file outright, and read as proto2 every one of those
// elements means what its author declared.
func (b *batch) fixSyntax(f *batchFile) {
	fd := f.fd
	// protobuf.js also marks every field packed = false, which means nothing
	// on a field that is not repeated and shows in every describe.
	eachMessage(fd, func(m *descriptorpb.DescriptorProto) {
		for _, fld := range m.GetField() {
			if fld.GetLabel() != descriptorpb.FieldDescriptorProto_LABEL_REPEATED && fld.GetOptions() != nil && fld.GetOptions().Packed != nil {
				fld.Options.Packed = nil
				if proto.Size(fld.Options) == 0 {
					fld.Options = nil
				}
				f.changed = true
			}
		}
	})
	if fd.GetSyntax() != "proto3" || !holdsProto2Only(fd) {
		return
	}
	fd.Syntax = proto.String("proto2")
	// proto3 fields read as proto2 keep their presence only when optional;
	// a synthetic oneof is proto3's way of saying so, and proto2 has none.
	eachMessage(fd, func(m *descriptorpb.DescriptorProto) {
		for _, fld := range m.GetField() {
			fld.Proto3Optional = nil
		}
	})
	f.changed = true
}

func holdsProto2Only(fd *descriptorpb.FileDescriptorProto) bool {
	found := false
	enumStartsNonZero := func(enums []*descriptorpb.EnumDescriptorProto) {
		for _, e := range enums {
			if v := e.GetValue(); len(v) > 0 && v[0].GetNumber() != 0 {
				found = true
			}
		}
	}
	enumStartsNonZero(fd.GetEnumType())
	eachMessage(fd, func(m *descriptorpb.DescriptorProto) {
		enumStartsNonZero(m.GetEnumType())
		for _, fld := range m.GetField() {
			if fld.DefaultValue != nil || fld.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REQUIRED {
				found = true
			}
		}
	})
	for _, ext := range fd.GetExtension() {
		if ext.DefaultValue != nil {
			found = true
		}
	}
	return found
}

// eachMessage calls fn with every message of fd, nested ones included.
func eachMessage(fd *descriptorpb.FileDescriptorProto, fn func(*descriptorpb.DescriptorProto)) {
	var walk func([]*descriptorpb.DescriptorProto)
	walk = func(ms []*descriptorpb.DescriptorProto) {
		for _, m := range ms {
			fn(m)
			walk(m.GetNestedType())
		}
	}
	walk(fd.GetMessageType())
}
