package repair

import (
	"fmt"
	"slices"
	"sockscope/reflection/internal/descproto"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// messageProto finds the descriptor of a message by full name in the batch
// or in what was handed on.
func (b *batch) messageProto(n protoreflect.FullName) *descriptorpb.DescriptorProto {
	d, ok := b.lookupDef(n)
	if !ok || d.kind != defMessage {
		return nil
	}
	var fd *descriptorpb.FileDescriptorProto
	if f := b.byName[d.file]; f != nil {
		fd = f.fd
	} else if h := b.r.files[d.file]; h != nil {
		fd = h.fd
	} else if cf, ok := canonical(d.file); ok {
		fd = cf.fd
	} else {
		return nil
	}
	return descproto.Message(fd, n)
}

// fixMapEntries gives every map field's entry message the name protobuf-go
// requires, <CamelCaseFieldName>Entry, nested beside the field. An entry is
// a message marked map_entry, or a nested message that clearly is one
// (named ...Entry, fields key = 1 and value = 2, used by this field alone)
// whose option was lost. An entry used by this field alone is renamed;
// otherwise the field gets a correctly named copy.
func (b *batch) fixMapEntries(f *batchFile) {
	users := map[protoreflect.FullName]int{}
	for _, ref := range f.refs {
		if ref.resolved && ref.field != nil {
			users[ref.target]++
		}
	}
	renamed := false
	var visit func(full protoreflect.FullName, m *descriptorpb.DescriptorProto)
	visit = func(full protoreflect.FullName, m *descriptorpb.DescriptorProto) {
		for _, n := range m.GetNestedType() {
			visit(join(full, n.GetName()), n)
		}
		for _, fld := range m.GetField() {
			if fld.GetLabel() != descriptorpb.FieldDescriptorProto_LABEL_REPEATED ||
				fld.GetType() != descriptorpb.FieldDescriptorProto_TYPE_MESSAGE || !strings.HasPrefix(fld.GetTypeName(), ".") {
				continue
			}
			target := protoreflect.FullName(fld.GetTypeName()[1:])
			entry := b.messageProto(target)
			if entry == nil {
				continue
			}
			own := target.Parent() == full && b.defs[target].file == f.name
			marked := entry.GetOptions().GetMapEntry()
			if !marked && !(own && users[target] == 1 && looksLikeMapEntry(entry)) {
				continue
			}
			want := mapEntryName(fld.GetName())
			if target == join(full, want) {
				if !marked {
					setMapEntry(entry)
					f.changed = true
				}
				continue
			}
			if clash := memberNamed(m, want); clash {
				f.problems = append(f.problems, fmt.Sprintf(
					"map field %s uses entry message %s, which protobuf-go requires to be named %s, but %s already has a member of that name",
					join(full, fld.GetName()), target, want, full))
				continue
			}
			if own && users[target] == 1 {
				entry.Name = proto.String(want)
				setMapEntry(entry)
			} else {
				clone := proto.Clone(entry).(*descriptorpb.DescriptorProto)
				clone.Name = proto.String(want)
				setMapEntry(clone)
				m.NestedType = append(m.NestedType, clone)
			}
			fld.TypeName = proto.String("." + string(join(full, want)))
			f.changed, renamed = true, true
		}
	}
	pkg := protoreflect.FullName(f.fd.GetPackage())
	for _, m := range f.fd.GetMessageType() {
		visit(join(pkg, m.GetName()), m)
	}
	if renamed {
		b.reindex(f)
	}
}

// reindex rebuilds the batch's definitions of f after names in it changed.
func (b *batch) reindex(f *batchFile) {
	for n, d := range b.defs {
		if d.file == f.name {
			delete(b.defs, n)
		}
	}
	indexFile(f.fd, func(n protoreflect.FullName, k defKind) {
		if _, ok := b.defs[n]; !ok {
			b.defs[n] = definition{file: f.name, kind: k}
		}
	})
}

func setMapEntry(m *descriptorpb.DescriptorProto) {
	if m.Options == nil {
		m.Options = &descriptorpb.MessageOptions{}
	}
	m.Options.MapEntry = proto.Bool(true)
}

// looksLikeMapEntry is the shape protoc gives map entries.
func looksLikeMapEntry(m *descriptorpb.DescriptorProto) bool {
	if !strings.HasSuffix(m.GetName(), "Entry") || len(m.GetField()) != 2 || len(m.GetNestedType())+len(m.GetEnumType())+
		len(m.GetExtension())+len(m.GetExtensionRange())+len(m.GetOneofDecl()) > 0 {
		return false
	}
	key, value := m.GetField()[0], m.GetField()[1]
	optional := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
	if key.GetName() != "key" || key.GetNumber() != 1 || key.GetLabel() != optional || key.OneofIndex != nil ||
		value.GetName() != "value" || value.GetNumber() != 2 || value.GetLabel() != optional || value.OneofIndex != nil {
		return false
	}
	switch key.GetType() {
	case descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, descriptorpb.FieldDescriptorProto_TYPE_ENUM,
		descriptorpb.FieldDescriptorProto_TYPE_GROUP, descriptorpb.FieldDescriptorProto_TYPE_BYTES,
		descriptorpb.FieldDescriptorProto_TYPE_FLOAT, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE:
		return false
	}
	return key.Type != nil
}

// memberNamed tells whether m declares anything called name.
func memberNamed(m *descriptorpb.DescriptorProto, name string) bool {
	if anyNamed(m.GetField(), name) || anyNamed(m.GetNestedType(), name) ||
		anyNamed(m.GetOneofDecl(), name) || anyNamed(m.GetExtension(), name) {
		return true
	}
	return slices.ContainsFunc(m.GetEnumType(), func(e *descriptorpb.EnumDescriptorProto) bool {
		return e.GetName() == name || anyNamed(e.GetValue(), name)
	})
}

func anyNamed[T interface{ GetName() string }](in []T, name string) bool {
	return slices.ContainsFunc(in, func(d T) bool { return d.GetName() == name })
}

// mapEntryName is the entry name protoc derives from a map field's name,
// which protobuf-go checks: "labels" -> "LabelsEntry", "env_vars" -> "EnvVarsEntry".
func mapEntryName(field string) string {
	var b strings.Builder
	upper := true
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case c == '_':
			upper = true
		case upper:
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			upper = false
		default:
			b.WriteByte(c)
		}
	}
	return b.String() + "Entry"
}
