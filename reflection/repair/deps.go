package repair

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// fixDependencies makes f import the files that define the types it uses,
// under the names they were handed on under, and drops imports of itself
// and repeated ones. Imports it does not need are kept: they may supply
// options.
func (b *batch) fixDependencies(f *batchFile) {
	var needed []string
	seen := map[string]bool{f.name: true}
	need := func(name string) {
		if !strings.HasPrefix(name, ".") {
			return
		}
		d, ok := b.lookupDef(protoreflect.FullName(name[1:]))
		if !ok || seen[d.file] {
			return
		}
		seen[d.file] = true
		needed = append(needed, d.file)
	}
	var message func(m *descriptorpb.DescriptorProto)
	fields := func(fs []*descriptorpb.FieldDescriptorProto) {
		for _, fld := range fs {
			need(fld.GetTypeName())
			need(fld.GetExtendee())
		}
	}
	message = func(m *descriptorpb.DescriptorProto) {
		fields(m.GetField())
		fields(m.GetExtension())
		for _, n := range m.GetNestedType() {
			message(n)
		}
	}
	for _, m := range f.fd.GetMessageType() {
		message(m)
	}
	fields(f.fd.GetExtension())
	for _, s := range f.fd.GetService() {
		for _, m := range s.GetMethod() {
			need(m.GetInputType())
			need(m.GetOutputType())
		}
	}

	old := f.fd.GetDependency()
	deps := make([]string, 0, len(old)+len(needed))
	remap := map[int32]int32{}
	kept := map[string]bool{}
	for i, dep := range old {
		if dep == f.name || kept[dep] {
			continue
		}
		kept[dep] = true
		remap[int32(i)] = int32(len(deps))
		deps = append(deps, dep)
	}
	for _, name := range needed {
		b.addCanonical(name)
		if !b.covers(deps, name) {
			deps = append(deps, name)
		}
	}
	if len(deps) == len(old) && len(remap) == len(old) {
		return
	}
	f.fd.Dependency = deps
	f.fd.PublicDependency = remapIndexes(f.fd.PublicDependency, remap)
	f.fd.WeakDependency = remapIndexes(f.fd.WeakDependency, remap)
	f.changed = true
}

func remapIndexes(in []int32, remap map[int32]int32) []int32 {
	var out []int32
	for _, i := range in {
		if j, ok := remap[i]; ok {
			out = append(out, j)
		}
	}
	return out
}

// covers tells whether importing deps makes name's types visible: directly
// or through public imports.
func (b *batch) covers(deps []string, name string) bool {
	seen := map[string]bool{}
	var visit func(dep string) bool
	visit = func(dep string) bool {
		if dep == name {
			return true
		}
		if seen[dep] {
			return false
		}
		seen[dep] = true
		fd := b.fileProto(dep)
		for _, i := range fd.GetPublicDependency() {
			if int(i) < len(fd.GetDependency()) && visit(fd.GetDependency()[i]) {
				return true
			}
		}
		return false
	}
	for _, dep := range deps {
		if visit(dep) {
			return true
		}
	}
	return false
}

func (b *batch) fileProto(name string) *descriptorpb.FileDescriptorProto {
	if f := b.byName[name]; f != nil {
		return f.fd
	}
	if h := b.r.files[name]; h != nil {
		return h.fd
	}
	if cf, ok := canonical(name); ok {
		return cf.fd
	}
	return nil
}
