package repair

import (
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

type defKind int

const (
	defMessage defKind = iota + 1
	defEnum
	defService
	defOther // fields, oneofs, enum values, methods, extensions
)

type definition struct {
	file string
	kind defKind
}

// indexFile reports every name fd defines.
func indexFile(fd *descriptorpb.FileDescriptorProto, add func(protoreflect.FullName, defKind)) {
	pkg := protoreflect.FullName(fd.GetPackage())
	for _, m := range fd.GetMessageType() {
		indexMessage(join(pkg, m.GetName()), m, add)
	}
	for _, e := range fd.GetEnumType() {
		indexEnum(pkg, e, add)
	}
	for _, x := range fd.GetExtension() {
		add(join(pkg, x.GetName()), defOther)
	}
	for _, s := range fd.GetService() {
		full := join(pkg, s.GetName())
		add(full, defService)
		for _, m := range s.GetMethod() {
			add(join(full, m.GetName()), defOther)
		}
	}
}

func indexMessage(full protoreflect.FullName, m *descriptorpb.DescriptorProto, add func(protoreflect.FullName, defKind)) {
	add(full, defMessage)
	for _, f := range m.GetField() {
		add(join(full, f.GetName()), defOther)
	}
	for _, x := range m.GetExtension() {
		add(join(full, x.GetName()), defOther)
	}
	for _, o := range m.GetOneofDecl() {
		add(join(full, o.GetName()), defOther)
	}
	for _, n := range m.GetNestedType() {
		indexMessage(join(full, n.GetName()), n, add)
	}
	for _, e := range m.GetEnumType() {
		indexEnum(full, e, add)
	}
}

// indexEnum reports an enum and its values, which protobuf scopes as the
// enum's siblings.
func indexEnum(scope protoreflect.FullName, e *descriptorpb.EnumDescriptorProto, add func(protoreflect.FullName, defKind)) {
	add(join(scope, e.GetName()), defEnum)
	for _, v := range e.GetValue() {
		add(join(scope, v.GetName()), defOther)
	}
}

func join(scope protoreflect.FullName, name string) protoreflect.FullName {
	if scope == "" {
		return protoreflect.FullName(name)
	}
	return scope + "." + protoreflect.FullName(name)
}
