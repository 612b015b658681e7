package repair

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// primary is the file that answers req; grpcreflect looks at the files of
// an answer in order, so it goes first.
func (b *batch) primary(req reflectionRequest, first *batchFile) *batchFile {
	switch req.kind {
	case askFile:
		for _, f := range b.files {
			if !f.opaque && (f.name == req.name || f.key.name == req.name) {
				return f
			}
		}
	case askSymbol:
		if d, ok := b.lookupDef(protoreflect.FullName(strings.TrimPrefix(req.name, "."))); ok {
			if f := b.byName[d.file]; f != nil {
				return f
			}
			if f := b.addHanded(d.file); f != nil {
				return f
			}
			b.addCanonical(d.file)
			if f := b.byName[d.file]; f != nil {
				return f
			}
		}
	case askExtension:
		for _, f := range b.files {
			if !f.opaque && definesExtension(f.fd, req.name, req.number) {
				return f
			}
		}
	}
	return first
}

func definesExtension(fd *descriptorpb.FileDescriptorProto, extendee string, number int32) bool {
	match := func(xs []*descriptorpb.FieldDescriptorProto) bool {
		for _, x := range xs {
			if x.GetNumber() == number && strings.TrimPrefix(x.GetExtendee(), ".") == extendee {
				return true
			}
		}
		return false
	}
	var message func(ms []*descriptorpb.DescriptorProto) bool
	message = func(ms []*descriptorpb.DescriptorProto) bool {
		for _, m := range ms {
			if match(m.GetExtension()) || message(m.GetNestedType()) {
				return true
			}
		}
		return false
	}
	return match(fd.GetExtension()) || message(fd.GetMessageType())
}

// handOn orders the answer, fails it when the file it is about cannot be
// repaired, and records what grpcreflect is given.
func (b *batch) handOn(req reflectionRequest, first *batchFile) ([][]byte, error) {
	primary := b.primary(req, first)
	if problem := b.closureProblem(primary); problem != "" {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, problem)
	}
	handed := []*batchFile{primary}
	for _, f := range b.files {
		// A file that cannot be repaired, or needs one that cannot, is
		// left out, so that asking for it later reports why.
		if f != primary && b.closureProblem(f) == "" {
			handed = append(handed, f)
		}
	}
	out := make([][]byte, len(handed))
	for i, f := range handed {
		raw := f.bytes()
		out[i] = raw
		if f.handed || f.opaque {
			continue
		}
		b.r.files[f.name] = &handedFile{fd: f.fd, raw: raw}
		if f.key != (servedKey{}) {
			b.r.served[f.key] = f.name
		}
		if f.canonical {
			continue
		}
		indexFile(f.fd, func(n protoreflect.FullName, k defKind) {
			if _, ok := b.r.defs[n]; !ok {
				b.r.defs[n] = definition{file: f.name, kind: k}
			}
		})
	}
	return out, nil
}

// closureProblem is the first problem in f or in the files it imports,
// including an import cycle, or "" when there is none.
func (b *batch) closureProblem(f *batchFile) string {
	if f.opaque {
		return ""
	}
	state := map[string]int{} // 1 visiting, 2 done
	var stack []string
	var visit func(name string) string
	visit = func(name string) string {
		switch state[name] {
		case 1:
			i := len(stack) - 1
			for i > 0 && stack[i] != name {
				i--
			}
			return fmt.Sprintf("files %s import each other, which protobuf does not allow", strings.Join(append(stack[i:], name), " -> "))
		case 2:
			return ""
		}
		state[name] = 1
		stack = append(stack, name)
		defer func() { state[name], stack = 2, stack[:len(stack)-1] }()
		if bf := b.byName[name]; bf != nil && len(bf.problems) > 0 {
			return bf.problems[0]
		}
		fd := b.fileProto(name)
		for _, dep := range fd.GetDependency() {
			if p := visit(dep); p != "" {
				return p
			}
		}
		return ""
	}
	return visit(f.name)
}
