package repair

import (
	"crypto/sha256"
	"fmt"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// repairer holds what one grpcreflect client has been handed, across its
// streams, so that later answers are repaired consistently with earlier ones.
type repairer struct {
	mu     sync.Mutex
	files  map[string]*handedFile               // by the name grpcreflect knows
	served map[servedKey]string                 // a served file to the name it was handed on under
	defs   map[protoreflect.FullName]definition // what the handed files define
	misses map[string]bool                      // "file:NAME" and "symbol:NAME" the server does not serve
}

type handedFile struct {
	fd  *descriptorpb.FileDescriptorProto
	raw []byte
}

// servedKey tells served files apart: by name alone is not enough, since
// some servers give every synthetic file the same name.
type servedKey struct {
	name   string
	digest [sha256.Size]byte
}

func newRepairer() *repairer {
	return &repairer{
		files:  map[string]*handedFile{},
		served: map[servedKey]string{},
		defs:   map[protoreflect.FullName]definition{},
		misses: map[string]bool{},
	}
}

// repair rewrites the files of one answer to req. side opens a stream for
// look-ups of its own, only when one is needed.
func (r *repairer) repair(req reflectionRequest, raw [][]byte, side func() (sideStream, error)) ([][]byte, error) {
	if len(raw) == 0 {
		return raw, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b := &batch{r: r, byName: map[string]*batchFile{}, defs: map[protoreflect.FullName]definition{},
		tried: map[string]bool{}, openSide: side}
	defer b.closeSide()
	var first *batchFile
	for _, data := range raw {
		f := b.add(data)
		if first == nil {
			first = f
		}
	}
	b.resolveAll()
	for i := 0; i < len(b.files); i++ {
		f := b.files[i]
		if !f.editable() {
			continue
		}
		b.applyResolutions(f)
		b.fixSyntax(f)
		b.fixMapEntries(f)
		b.fixDependencies(f) // may append well-known files to b.files
	}
	return b.handOn(req, first)
}

// batch is one answer being repaired.
type batch struct {
	r        *repairer
	files    []*batchFile
	byName   map[string]*batchFile
	defs     map[protoreflect.FullName]definition
	tried    map[string]bool
	openSide func() (sideStream, error)
	side     sideStream
	noSide   bool
}

type batchFile struct {
	name      string // as handed on
	fd        *descriptorpb.FileDescriptorProto
	raw       []byte // as served, handed on as is unless changed
	key       servedKey
	changed   bool
	handed    bool // grpcreflect already has it: used as it was then
	opaque    bool // not a FileDescriptorProto: handed on untouched
	canonical bool
	refs      []*typeRef
	problems  []string
}

func (f *batchFile) editable() bool { return !f.handed && !f.opaque && !f.canonical }

func (f *batchFile) bytes() []byte {
	if f.changed {
		if raw, err := proto.Marshal(f.fd); err == nil {
			return raw
		}
	}
	return f.raw
}

func (b *batch) closeSide() {
	if b.side != nil {
		b.side.close()
	}
}

// add takes one served file into the batch and returns it.
func (b *batch) add(raw []byte) *batchFile {
	fd := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(raw, fd); err != nil {
		// grpcreflect reports it the same way it would without the repair.
		f := &batchFile{raw: raw, opaque: true}
		b.files = append(b.files, f)
		return f
	}
	key := servedKey{name: fd.GetName(), digest: sha256.Sum256(raw)}
	for _, f := range b.files {
		if f.key == key && !f.opaque {
			return f
		}
	}
	if name, ok := b.r.served[key]; ok {
		return b.addHanded(name)
	}
	if isWellKnownFile(fd.GetName()) {
		if f := b.byName[fd.GetName()]; f != nil {
			return f
		}
		if _, ok := b.r.files[fd.GetName()]; ok {
			return b.addHanded(fd.GetName())
		}
		want, _ := canonical(fd.GetName())
		f := &batchFile{name: fd.GetName(), fd: want.fd, raw: raw, key: key, canonical: true}
		if !proto.Equal(fd, want.fd) {
			f.raw = want.raw
		}
		b.insert(f)
		return f
	}

	f := &batchFile{fd: fd, raw: raw, key: key}
	f.name = b.freeName(fd.GetName(), fd.GetPackage())
	if f.name != fd.GetName() {
		fd.Name = proto.String(f.name)
		f.changed = true
	}
	b.dropDuplicates(f)
	b.insert(f)
	f.refs = collectRefs(f)
	return f
}

// addHanded puts a file grpcreflect already has into the batch, so an
// answer that names it is answered with the same file again.
func (b *batch) addHanded(name string) *batchFile {
	if f := b.byName[name]; f != nil {
		return f
	}
	if h, ok := b.r.files[name]; ok {
		f := &batchFile{name: name, fd: h.fd, raw: h.raw, handed: true}
		b.files = append(b.files, f)
		b.byName[name] = f
		return f
	}
	return nil
}

func (b *batch) addCanonical(name string) {
	if b.byName[name] != nil || b.r.files[name] != nil {
		return
	}
	cf, ok := canonical(name)
	if !ok {
		return
	}
	f := &batchFile{name: name, fd: cf.fd, raw: cf.raw, canonical: true}
	b.insert(f)
	for _, dep := range cf.fd.GetDependency() {
		b.addCanonical(dep)
	}
}

func (b *batch) insert(f *batchFile) {
	b.files = append(b.files, f)
	b.byName[f.name] = f
	indexFile(f.fd, func(n protoreflect.FullName, k defKind) {
		if _, ok := b.defs[n]; !ok {
			b.defs[n] = definition{file: f.name, kind: k}
		}
	})
}

// freeName is served, or a variant of it when that name is taken by another
// file: some stacks name every synthetic file alike, or leave names empty.
func (b *batch) freeName(served, pkg string) string {
	taken := func(n string) bool {
		_, handed := b.r.files[n]
		return handed || isWellKnownFile(n) || b.byName[n] != nil
	}
	base := served
	if base == "" {
		base = "unnamed.proto"
		if pkg != "" {
			base = pkg + ".proto"
		}
	}
	if !taken(base) {
		return base
	}
	if pkg != "" {
		if n := fmt.Sprintf("%s (%s)", base, pkg); !taken(n) {
			return n
		}
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s (%d)", base, i); !taken(n) {
			return n
		}
	}
}

// dropDuplicates removes f's top-level definitions that another file
// already made. grpcreflect registers every file in one registry, which
// refuses a second definition of a name, so the definition served first is
// kept (grpcreflect also keeps the first file it gets under a name), and
// well-known types always come from protobuf-go's own files.
func (b *batch) dropDuplicates(f *batchFile) {
	pkg := protoreflect.FullName(f.fd.GetPackage())
	known := func(name string) bool {
		n := join(pkg, name)
		if _, ok := b.lookupDef(n); ok {
			return true
		}
		return false
	}
	fd := f.fd
	before := len(fd.MessageType) + len(fd.EnumType) + len(fd.Service) + len(fd.Extension)
	fd.MessageType = dropKnown(fd.MessageType, known)
	fd.EnumType = dropKnown(fd.EnumType, known)
	fd.Service = dropKnown(fd.Service, known)
	fd.Extension = dropKnown(fd.Extension, known)
	if len(fd.MessageType)+len(fd.EnumType)+len(fd.Service)+len(fd.Extension) != before {
		f.changed = true
	}
}

func dropKnown[T interface{ GetName() string }](in []T, known func(string) bool) []T {
	out := in[:0]
	for _, d := range in {
		if !known(d.GetName()) {
			out = append(out, d)
		}
	}
	return out
}

// lookupDef finds a definition in the batch, in what was handed on before,
// or among the well-known types.
func (b *batch) lookupDef(n protoreflect.FullName) (definition, bool) {
	if d, ok := canonicalDef(n); ok {
		return d, true
	}
	if d, ok := b.r.defs[n]; ok {
		return d, true
	}
	d, ok := b.defs[n]
	return d, ok
}

// seenFile tells whether a file of that name is available to depend on.
func (b *batch) seenFile(name string) bool {
	_, handed := b.r.files[name]
	return handed || isWellKnownFile(name) || b.byName[name] != nil
}
