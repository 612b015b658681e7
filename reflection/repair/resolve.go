package repair

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// typeRef is one type name in a file: a field's type, an extendee, or a
// method's input or output.
type typeRef struct {
	file  *batchFile
	scope protoreflect.FullName // where relative names are looked up from
	what  string                // the referring element, for messages
	get   func() string
	set   func(string)
	field *descriptorpb.FieldDescriptorProto // for field types, whose kind may need setting
	want  refKinds

	candidates []protoreflect.FullName
	target     protoreflect.FullName
	targetKind defKind
	resolved   bool
	problem    string
}

type refKinds int

const (
	wantType refKinds = iota // a message or an enum
	wantMessage
	wantEnum
)

func (w refKinds) accepts(k defKind) bool {
	switch w {
	case wantMessage:
		return k == defMessage
	case wantEnum:
		return k == defEnum
	}
	return k == defMessage || k == defEnum
}

func collectRefs(f *batchFile) []*typeRef {
	var refs []*typeRef
	fieldRefs := func(scope protoreflect.FullName, fields []*descriptorpb.FieldDescriptorProto, extension bool) {
		for _, fld := range fields {
			what := fmt.Sprintf("field %s", join(scope, fld.GetName()))
			if extension {
				what = fmt.Sprintf("extension %s", join(scope, fld.GetName()))
				if fld.Extendee != nil {
					refs = append(refs, &typeRef{file: f, scope: scope, what: "the extendee of " + what, want: wantMessage,
						get: fld.GetExtendee, set: func(s string) { fld.Extendee = proto.String(s) }})
				}
			}
			if fld.TypeName == nil {
				continue
			}
			want := wantType
			switch fld.GetType() {
			case descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, descriptorpb.FieldDescriptorProto_TYPE_GROUP:
				want = wantMessage
			case descriptorpb.FieldDescriptorProto_TYPE_ENUM:
				want = wantEnum
			default:
				if fld.Type != nil {
					continue // a scalar with a type name: nothing clear to do
				}
			}
			refs = append(refs, &typeRef{file: f, scope: scope, what: what, want: want, field: fld,
				get: fld.GetTypeName, set: func(s string) { fld.TypeName = proto.String(s) }})
		}
	}
	var message func(full protoreflect.FullName, m *descriptorpb.DescriptorProto)
	message = func(full protoreflect.FullName, m *descriptorpb.DescriptorProto) {
		fieldRefs(full, m.GetField(), false)
		fieldRefs(full, m.GetExtension(), true)
		for _, n := range m.GetNestedType() {
			message(join(full, n.GetName()), n)
		}
	}
	pkg := protoreflect.FullName(f.fd.GetPackage())
	for _, m := range f.fd.GetMessageType() {
		message(join(pkg, m.GetName()), m)
	}
	fieldRefs(pkg, f.fd.GetExtension(), true)
	for _, s := range f.fd.GetService() {
		svc := join(pkg, s.GetName())
		for _, m := range s.GetMethod() {
			method := join(svc, m.GetName())
			if m.InputType != nil {
				refs = append(refs, &typeRef{file: f, scope: svc, what: fmt.Sprintf("the input of method %s", method), want: wantMessage,
					get: m.GetInputType, set: func(s string) { m.InputType = proto.String(s) }})
			}
			if m.OutputType != nil {
				refs = append(refs, &typeRef{file: f, scope: svc, what: fmt.Sprintf("the output of method %s", method), want: wantMessage,
					get: m.GetOutputType, set: func(s string) { m.OutputType = proto.String(s) }})
			}
		}
	}
	return refs
}

type nameStatus int

const (
	nameUnknown nameStatus = iota
	namePresent
	nameAbsent
)

// status tells whether n is defined, known not to be, or not known either
// way (it could be in a file the server has not sent).
func (b *batch) status(n protoreflect.FullName) (nameStatus, definition) {
	if d, ok := b.lookupDef(n); ok {
		return namePresent, d
	}
	if b.r.misses["symbol:"+string(n)] {
		return nameAbsent, definition{}
	}
	for p := n.Parent(); p != ""; p = p.Parent() {
		// Messages, enums and services are known in full once seen, and
		// the well-known package is known from protobuf-go.
		if _, ok := b.lookupDef(p); ok || p == "google.protobuf" {
			return nameAbsent, definition{}
		}
	}
	return nameUnknown, definition{}
}

type resolveOutcome int

const (
	outcomeDone resolveOutcome = iota
	outcomeNeedsFetch
)

// resolve finds what ref names. A name without a leading dot is looked up
// the way protoc does, from the innermost scope outwards; when that finds a
// type and the name taken as fully qualified (a stripped leading dot) finds
// another, the meaning is unclear and ref gets a problem.
func (b *batch) resolve(ref *typeRef) resolveOutcome {
	ref.resolved, ref.problem, ref.candidates = false, "", nil
	name := ref.get()
	full := strings.HasPrefix(name, ".")
	bare := strings.TrimPrefix(name, ".")
	if bare == "" || strings.HasPrefix(bare, ".") || strings.HasSuffix(bare, ".") || strings.Contains(bare, "..") {
		ref.problem = fmt.Sprintf("%s refers to %q, which is not a valid type name", ref.what, name)
		return outcomeDone
	}
	if full {
		ref.candidates = []protoreflect.FullName{protoreflect.FullName(bare)}
	} else {
		for s := ref.scope; ; s = s.Parent() {
			ref.candidates = append(ref.candidates, join(s, bare))
			if s == "" {
				break
			}
		}
	}
	type found struct {
		name protoreflect.FullName
		def  definition
	}
	var present []found
	unknown := false
	for _, c := range ref.candidates {
		switch st, d := b.status(c); st {
		case namePresent:
			// protoc passes over names that are not types, and so does this.
			if ref.want.accepts(d.kind) {
				present = append(present, found{c, d})
			}
		case nameUnknown:
			unknown = true
		}
	}
	switch {
	case len(present) == 1:
		ref.target, ref.targetKind, ref.resolved = present[0].name, present[0].def.kind, true
	case len(present) > 1:
		outermost := ref.candidates[len(ref.candidates)-1]
		if present[len(present)-1].name == outermost {
			names := make([]string, len(present))
			for i, p := range present {
				names[i] = string(p.name)
			}
			ref.problem = fmt.Sprintf("%s refers to %q, which could be %s", ref.what, name, strings.Join(names, " or "))
			return outcomeDone
		}
		ref.target, ref.targetKind, ref.resolved = present[0].name, present[0].def.kind, true
	case unknown:
		if full && b.hasUnseenDependencies(ref.file) {
			// A fully qualified name in a file whose imports have not been
			// fetched yet: trust them, as grpcreflect will fetch them.
			ref.target, ref.resolved = protoreflect.FullName(bare), false
			return outcomeDone
		}
		return outcomeNeedsFetch
	default:
		ref.problem = fmt.Sprintf("%s refers to %q, which the server's reflection does not define", ref.what, name)
	}
	return outcomeDone
}

func (b *batch) hasUnseenDependencies(f *batchFile) bool {
	for _, dep := range f.fd.GetDependency() {
		if dep != f.name && !b.seenFile(dep) && !b.r.misses["file:"+dep] {
			return true
		}
	}
	return false
}

// resolveAll resolves every reference in the batch, asking the server for
// more files while some name is found nowhere yet.
func (b *batch) resolveAll() {
	for {
		var pending []*typeRef
		for i := 0; i < len(b.files); i++ {
			f := b.files[i]
			if !f.editable() {
				continue
			}
			for _, ref := range f.refs {
				if b.resolve(ref) == outcomeNeedsFetch {
					pending = append(pending, ref)
				}
			}
		}
		if len(pending) == 0 {
			return
		}
		if !b.fetch(pending) {
			for _, ref := range pending {
				ref.problem = fmt.Sprintf("%s refers to %q, which the server's reflection does not define", ref.what, ref.get())
			}
			return
		}
	}
}

// fetch asks the server for files that may define what pending refers to:
// first the dependencies their files declare (what a correct server would
// have sent along), then the candidate names themselves. It reports whether
// it asked anything new.
func (b *batch) fetch(pending []*typeRef) bool {
	asked := false
	for _, ref := range pending {
		for _, dep := range ref.file.fd.GetDependency() {
			if dep == ref.file.name || b.seenFile(dep) {
				continue
			}
			if b.ask(reflectionRequest{kind: askFile, name: dep}) {
				asked = true
			}
		}
	}
	if asked {
		return true
	}
	for _, ref := range pending {
		for _, c := range ref.candidates {
			if st, _ := b.status(c); st != nameUnknown {
				continue
			}
			if b.ask(reflectionRequest{kind: askSymbol, name: string(c)}) {
				asked = true
			}
		}
	}
	return asked
}

// ask sends q on the side stream, once per batch, and adds what comes back.
func (b *batch) ask(q reflectionRequest) bool {
	key := "file:" + q.name
	if q.kind == askSymbol {
		key = "symbol:" + q.name
	}
	if b.tried[key] || b.r.misses[key] || b.noSide {
		return false
	}
	b.tried[key] = true
	if b.side == nil {
		side, err := b.openSide()
		if err != nil {
			b.noSide = true
			return false
		}
		b.side = side
	}
	files, err := b.side.ask(q)
	if errors.Is(err, errNotServed) {
		b.r.misses[key] = true
		return true
	}
	if err != nil {
		b.noSide = true
		return false
	}
	for _, raw := range files {
		b.add(raw)
	}
	return true
}

// applyResolutions writes the fully qualified names into f, and the kind of
// fields that lack one.
func (b *batch) applyResolutions(f *batchFile) {
	for _, ref := range f.refs {
		if ref.problem != "" {
			f.problems = append(f.problems, ref.problem)
			continue
		}
		if !ref.resolved {
			continue
		}
		if want := "." + string(ref.target); ref.get() != want {
			ref.set(want)
			f.changed = true
		}
		if ref.field != nil && ref.field.Type == nil {
			switch ref.targetKind {
			case defMessage:
				ref.field.Type = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
			case defEnum:
				ref.field.Type = descriptorpb.FieldDescriptorProto_TYPE_ENUM.Enum()
			}
			f.changed = true
		}
	}
}
