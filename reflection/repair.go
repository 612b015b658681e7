package reflection

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/apipb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/sourcecontextpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/typepb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// ErrMalformedReflection means the server's reflection describes its schema
// in a way that cannot be repaired without guessing. The error names the
// symbol at fault and suggests giving the schema as files instead.
var ErrMalformedReflection = errors.New("the server's reflection is malformed")

const schemaHint = "give the schema with --proto FILE (and --import-path DIR) or --protoset FILE"

// Some servers' reflection is malformed in ways protobuf-go refuses: one
// synthetic file per package, empty dependency lists, type names without the
// leading dot, map entries with the wrong names, well-known types with other
// field names. The repairing client below sits between grpcreflect and the
// stub and rewrites every file descriptor the server sends before
// grpcreflect sees it, wherever the meaning is clear. Where it is not, the
// stream reports ErrMalformedReflection instead of handing on a file that
// would fail later with a less useful message.

// repairing wraps a reflection stub so that every file the server sends
// is repaired first. The stub may speak v1 or, through v1AlphaStub,
// v1alpha: their messages are the same field for field.
func repairing(stub refv1.ServerReflectionClient) refv1.ServerReflectionClient {
	return repairingClient{stub: stub, r: newRepairer()}
}

// reflectionStream is the reflection stream as the stubs open it.
type reflectionStream = grpc.BidiStreamingClient[refv1.ServerReflectionRequest, refv1.ServerReflectionResponse]

type repairingClient struct {
	stub refv1.ServerReflectionClient
	r    *repairer
}

func (c repairingClient) ServerReflectionInfo(ctx context.Context, opts ...grpc.CallOption) (reflectionStream, error) {
	stream, err := c.stub.ServerReflectionInfo(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return &repairingStream{reflectionStream: stream, ctx: ctx, stub: c.stub, r: c.r}, nil
}

// v1AlphaMethod is the pre-standard reflection service's one method.
const v1AlphaMethod = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

// v1AlphaStub speaks the v1alpha reflection service with v1's message
// types, so that grpcreflect's v1 client and one repairing wrapper serve
// servers that only know v1alpha too.
type v1AlphaStub struct{ conn grpc.ClientConnInterface }

func (s v1AlphaStub) ServerReflectionInfo(ctx context.Context, opts ...grpc.CallOption) (reflectionStream, error) {
	stream, err := s.conn.NewStream(ctx, &refv1.ServerReflection_ServiceDesc.Streams[0], v1AlphaMethod, opts...)
	if err != nil {
		return nil, err
	}
	return &grpc.GenericClientStream[refv1.ServerReflectionRequest, refv1.ServerReflectionResponse]{ClientStream: stream}, nil
}

// reflectionRequest is what was asked, in the terms the repair needs.
type reflectionRequest struct {
	kind   requestKind
	name   string // file name, symbol, or extended message
	number int32  // extension number
}

type requestKind int

const (
	askOther requestKind = iota
	askFile
	askSymbol
	askExtension
)

func requestOf(r *refv1.ServerReflectionRequest) reflectionRequest {
	switch m := r.GetMessageRequest().(type) {
	case *refv1.ServerReflectionRequest_FileByFilename:
		return reflectionRequest{kind: askFile, name: m.FileByFilename}
	case *refv1.ServerReflectionRequest_FileContainingSymbol:
		return reflectionRequest{kind: askSymbol, name: m.FileContainingSymbol}
	case *refv1.ServerReflectionRequest_FileContainingExtension:
		return reflectionRequest{kind: askExtension, name: m.FileContainingExtension.GetContainingType(),
			number: m.FileContainingExtension.GetExtensionNumber()}
	}
	return reflectionRequest{}
}

// newRequest builds a file or symbol request.
func newRequest(q reflectionRequest) *refv1.ServerReflectionRequest {
	if q.kind == askFile {
		return &refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_FileByFilename{FileByFilename: q.name}}
	}
	return &refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: q.name}}
}

// filesOf gives the files of a file descriptor response; ok is false for
// any other kind of response.
func filesOf(r *refv1.ServerReflectionResponse) (files [][]byte, ok bool) {
	fr := r.GetFileDescriptorResponse()
	if fr == nil {
		return nil, false
	}
	return fr.GetFileDescriptorProto(), true
}

// withFiles is r turned into a file descriptor response holding files.
func withFiles(r *refv1.ServerReflectionResponse, files [][]byte) *refv1.ServerReflectionResponse {
	return &refv1.ServerReflectionResponse{
		ValidHost:       r.GetValidHost(),
		OriginalRequest: r.GetOriginalRequest(),
		MessageResponse: &refv1.ServerReflectionResponse_FileDescriptorResponse{
			FileDescriptorResponse: &refv1.FileDescriptorResponse{FileDescriptorProto: files},
		},
	}
}

// repairingStream passes requests through and repairs the files in answers.
type repairingStream struct {
	reflectionStream
	ctx  context.Context
	stub refv1.ServerReflectionClient // for side look-ups
	r    *repairer

	mu      sync.Mutex
	pending []reflectionRequest // sent and not yet answered, oldest first
}

func (s *repairingStream) Send(req *refv1.ServerReflectionRequest) error {
	s.mu.Lock()
	s.pending = append(s.pending, requestOf(req))
	s.mu.Unlock()
	err := s.reflectionStream.Send(req)
	if err != nil {
		s.mu.Lock()
		s.pending = s.pending[:len(s.pending)-1]
		s.mu.Unlock()
	}
	return err
}

func (s *repairingStream) Recv() (*refv1.ServerReflectionResponse, error) {
	resp, err := s.reflectionStream.Recv()
	if err != nil {
		return nil, err
	}
	// The server answers requests in order, so the oldest pending one is
	// what this answers; OriginalRequest is optional and not relied on.
	s.mu.Lock()
	var req reflectionRequest
	if len(s.pending) > 0 {
		req = s.pending[0]
		s.pending = s.pending[1:]
	}
	s.mu.Unlock()

	files, ok := filesOf(resp)
	if !ok {
		if resp.GetErrorResponse() == nil {
			return resp, nil
		}
		// A server that does not serve a well-known file (or serves it
		// only inside a synthetic file) is answered from protobuf-go's own.
		if files = canonicalAnswer(req); files == nil {
			return resp, nil
		}
	}
	repaired, err := s.r.repair(req, files, s.sideLookups)
	if err != nil {
		return nil, err
	}
	return withFiles(resp, repaired), nil
}

// sideLookups opens a separate stream for what the repair needs to ask
// itself; answers on the main stream must match its requests one to one.
func (s *repairingStream) sideLookups() (sideStream, error) {
	ctx, cancel := context.WithCancel(s.ctx)
	stream, err := s.stub.ServerReflectionInfo(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	return &sideLookupStream{stream: stream, cancel: cancel}, nil
}

// errNotServed is a side look-up the server answered with an error.
var errNotServed = errors.New("not served")

type sideStream interface {
	// ask returns the files of the answer, errNotServed when the server
	// answered with an error, or the stream's own failure.
	ask(reflectionRequest) ([][]byte, error)
	close()
}

type sideLookupStream struct {
	stream reflectionStream
	cancel context.CancelFunc
}

func (g *sideLookupStream) ask(q reflectionRequest) ([][]byte, error) {
	if err := g.stream.Send(newRequest(q)); err != nil {
		return nil, err
	}
	resp, err := g.stream.Recv()
	if err != nil {
		return nil, err
	}
	if files, ok := filesOf(resp); ok {
		return files, nil
	}
	return nil, errNotServed
}

func (g *sideLookupStream) close() {
	_ = g.stream.CloseSend()
	g.cancel()
}

// wellKnownFiles are protobuf-go's own well-known files, by path. A served
// file under one of these names is replaced by protobuf-go's, and their
// types are never taken from the server: some stacks serve them with other
// field names.
var wellKnownFiles = map[string]protoreflect.FileDescriptor{}

// canonicalFiles builds each well-known file's descriptor proto and bytes
// the first time it is needed: most calls need a few of them, and building
// them all (descriptor.proto above all) would cost every short-lived call
// more than its reflection round trip.
var canonicalFiles = map[string]func() canonicalFile{}

func init() {
	for _, fd := range []protoreflect.FileDescriptor{
		anypb.File_google_protobuf_any_proto, apipb.File_google_protobuf_api_proto,
		descriptorpb.File_google_protobuf_descriptor_proto, durationpb.File_google_protobuf_duration_proto,
		emptypb.File_google_protobuf_empty_proto, fieldmaskpb.File_google_protobuf_field_mask_proto,
		sourcecontextpb.File_google_protobuf_source_context_proto, structpb.File_google_protobuf_struct_proto,
		timestamppb.File_google_protobuf_timestamp_proto, typepb.File_google_protobuf_type_proto,
		wrapperspb.File_google_protobuf_wrappers_proto,
	} {
		wellKnownFiles[fd.Path()] = fd
		canonicalFiles[fd.Path()] = sync.OnceValue(func() canonicalFile {
			fdp := protodesc.ToFileDescriptorProto(fd)
			raw, err := proto.Marshal(fdp)
			if err != nil {
				panic(fmt.Sprintf("marshal %s: %v", fd.Path(), err)) // a generated descriptor always marshals
			}
			return canonicalFile{fd: fdp, raw: raw}
		})
	}
}

type canonicalFile struct {
	fd  *descriptorpb.FileDescriptorProto
	raw []byte
}

// canonical is protobuf-go's own copy of the well-known file at path.
func canonical(path string) (canonicalFile, bool) {
	build, ok := canonicalFiles[path]
	if !ok {
		return canonicalFile{}, false
	}
	return build(), true
}

func isWellKnownFile(path string) bool {
	_, ok := wellKnownFiles[path]
	return ok
}

// canonicalDef finds a name the well-known files define, asking
// protobuf-go's registry rather than indexing every file.
func canonicalDef(n protoreflect.FullName) (definition, bool) {
	if !strings.HasPrefix(string(n), "google.protobuf.") {
		return definition{}, false
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(n)
	if err != nil || !isWellKnownFile(d.ParentFile().Path()) {
		return definition{}, false
	}
	kind := defOther
	switch d.(type) {
	case protoreflect.MessageDescriptor:
		kind = defMessage
	case protoreflect.EnumDescriptor:
		kind = defEnum
	case protoreflect.ServiceDescriptor:
		kind = defService
	}
	return definition{file: d.ParentFile().Path(), kind: kind}, true
}

// canonicalAnswer is the answer to req from the well-known files, or nil.
func canonicalAnswer(req reflectionRequest) [][]byte {
	switch req.kind {
	case askFile:
		if cf, ok := canonical(req.name); ok {
			return [][]byte{cf.raw}
		}
	case askSymbol:
		if d, ok := canonicalDef(protoreflect.FullName(req.name)); ok {
			cf, _ := canonical(d.file)
			return [][]byte{cf.raw}
		}
	}
	return nil
}

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
	return messageInFile(fd, n)
}

// messageInFile finds the message n, nested or not, among fd's; nil when
// fd does not define it.
func messageInFile(fd *descriptorpb.FileDescriptorProto, n protoreflect.FullName) *descriptorpb.DescriptorProto {
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
		return nil, fmt.Errorf("%w: %s; %s", ErrMalformedReflection, problem, schemaHint)
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
