// Package reflection owns where schemas come from: server reflection (v1,
// falling back to v1alpha), .proto files compiled at run time and protosets.
// It resolves symbols across them, and renders request templates and
// describe text. It knows nothing of sockets or screens.
package reflection

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/jhump/protoreflect/v2/grpcreflect"
	"github.com/jhump/protoreflect/v2/protoresolve"
	_ "google.golang.org/genproto/googleapis/rpc/errdetails" // google.rpc error details always resolve
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"sockscope/reflection/repair"
)

// ErrNoReflection means the server answered Unimplemented to both reflection
// APIs and no schema files were given.
var ErrNoReflection = errors.New("the server has no reflection service; " + schemaHint)

// ErrMalformedReflection means the server's reflection describes its schema
// in a way that cannot be repaired without guessing. The error names the
// symbol at fault and suggests giving the schema as files instead.
var ErrMalformedReflection = repair.ErrMalformed

// schemaHint is what to do when the server's reflection is missing or
// unusable.
const schemaHint = "give the schema with --proto FILE (and --import-path DIR) or --protoset FILE"

// ErrNotFound means a symbol is in none of the schema sources.
var ErrNotFound = errors.New("not found")

// Reflection API names, as Source.Reflection reports them.
const (
	ReflectionV1      = "v1"
	ReflectionV1Alpha = "v1alpha"
	ReflectionNone    = "none"
)

// Options says where a Source finds descriptors besides server reflection.
type Options struct {
	// ProtoFiles are .proto files compiled at run time. google/protobuf/*
	// imports need no import path.
	ProtoFiles []string
	// ImportPaths are where imports (and ProtoFiles, when relative to one)
	// are looked up. Without any, each file's own directory is used.
	ImportPaths []string
	// Protosets are binary FileDescriptorSet files.
	Protosets []string
	// Schema forces a built-in schema by name (see Schemas); empty lets a
	// server without reflection get one chosen by socket name or by probing.
	Schema string
	// SocketPath is the socket's path, used to recognise well-known daemons.
	SocketPath string
	// Header is sent with every reflection request and schema probe: a
	// server that checks credentials usually checks them on every RPC.
	Header metadata.MD
}

// Source resolves symbols: from files first, then from server reflection.
// It is safe for concurrent use.
type Source struct {
	conn       grpc.ClientConnInterface
	ctx        context.Context
	socketPath string
	autoSchema bool

	mu           sync.Mutex
	files        protoresolve.Resolver // nil without files; read through registry()
	detected     bool
	client       *grpcreflect.Client
	version      string
	reflErr      error
	schemaName   string
	schemaReason string
	schemaOrigin string
	leftOut      []error // services the last Services call could not resolve
}

// Open loads the schema files and, when conn is non-nil, prepares a
// reflection client bound to ctx: its stream lives until ctx ends or Close.
// Which reflection API the server has is learned on first use.
func Open(ctx context.Context, conn grpc.ClientConnInterface, opts Options) (*Source, error) {
	if len(opts.Header) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, opts.Header)
	}
	s := &Source{conn: conn, ctx: ctx, socketPath: opts.SocketPath}
	var forced *Schema
	if opts.Schema != "" {
		schema, err := findSchema(opts.Schema)
		if err != nil {
			return nil, err
		}
		forced = &schema
		s.schemaName, s.schemaReason, s.schemaOrigin = schema.Name, "--schema "+opts.Schema, schema.Origin
	}
	switch {
	case len(opts.ProtoFiles) > 0 || len(opts.Protosets) > 0:
		files, err := loadFiles(ctx, opts, forced)
		if err != nil {
			return nil, err
		}
		s.files = files
	case forced != nil:
		files, err := forced.resolver()
		if err != nil {
			return nil, err
		}
		s.files = files
	}
	s.autoSchema = s.files == nil
	return s, nil
}

// registry is the file-based descriptors, which detection may add.
func (s *Source) registry() protoresolve.Resolver {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files
}

// Schema names the schema in use (built in or the user's) and why it was
// chosen; empty when none is (the server has reflection, or files were
// given).
func (s *Source) Schema() (name, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.schemaName, s.schemaReason
}

// SchemaOrigin is "built-in" or the user schema's file or directory, for
// the schema Schema names.
func (s *Source) SchemaOrigin() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.schemaOrigin
}

// Close ends the reflection stream, if one was opened.
func (s *Source) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		s.client.Reset()
	}
}

// Reflection reports which reflection API the server answered: "v1",
// "v1alpha", "none", or "" before the first look-up (or without a conn).
func (s *Source) Reflection() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// reflect runs op with the reflection client. The first op also learns
// which API the server has: v1 is tried, then v1alpha when v1 answers
// Unimplemented, so detection costs no round trip of its own. used is false
// when there is no conn or the server has no reflection.
func (s *Source) reflect(op func(*grpcreflect.Client) error) (used bool, err error) {
	s.mu.Lock()
	if s.conn == nil {
		s.mu.Unlock()
		return false, nil
	}
	if s.detected {
		client, reflErr := s.client, s.reflErr
		s.mu.Unlock()
		if client == nil {
			return false, reflErr
		}
		return true, op(client)
	}
	// Detection holds the lock so concurrent first uses do not race to detect.
	defer s.mu.Unlock()
	opts := []grpcreflect.ClientOption{grpcreflect.WithAllowMissingFileDescriptors()}
	if s.files != nil {
		opts = append(opts, grpcreflect.WithFallbackResolver(s.files))
	}
	candidates := []struct {
		version string
		client  func() *grpcreflect.Client
	}{
		{ReflectionV1, func() *grpcreflect.Client {
			return grpcreflect.NewClientV1(s.ctx, repair.Wrap(refv1.NewServerReflectionClient(s.conn)), opts...)
		}},
		{ReflectionV1Alpha, func() *grpcreflect.Client {
			return grpcreflect.NewClientV1(s.ctx, repair.Wrap(v1AlphaStub{s.conn}), opts...)
		}},
	}
	for _, c := range candidates {
		client := c.client()
		err := op(client)
		switch code := status.Code(err); {
		case code == codes.Unimplemented:
			client.Reset()
			continue
		case code == codes.Unavailable || code == codes.DeadlineExceeded || code == codes.Canceled:
			// No answer about reflection at all: report it, and detect again next time.
			client.Reset()
			return true, fmt.Errorf("server reflection: %w", err)
		}
		s.detected, s.client, s.version = true, client, c.version
		return true, err
	}
	s.detected, s.version = true, ReflectionNone
	if s.autoSchema {
		probeCtx, cancel := context.WithTimeout(s.ctx, schemaProbeTimeout)
		defer cancel()
		if schema, why, ok := chooseSchema(probeCtx, s.conn, s.socketPath); ok {
			reg, err := schema.resolver()
			if err != nil {
				return false, err
			}
			s.files, s.schemaName, s.schemaReason, s.schemaOrigin = reg, schema.Name, why, schema.Origin
		}
	}
	if s.files == nil {
		s.reflErr = ErrNoReflection
	}
	return false, s.reflErr
}

// schemaProbeTimeout bounds asking a server without reflection which
// built-in API it speaks.
const schemaProbeTimeout = 3 * time.Second

// detectedClient is the reflection client once the API is known, else nil.
func (s *Source) detectedClient() *grpcreflect.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// Services lists the services in the schema files and those the server
// lists through reflection, sorted by name; reflection's own are left out,
// and so are services whose malformed reflection cannot be repaired (see
// LeftOut).
func (s *Source) Services(ctx context.Context) ([]protoreflect.ServiceDescriptor, error) {
	byName := map[protoreflect.FullName]protoreflect.ServiceDescriptor{}
	var names []protoreflect.FullName
	var left []error
	used, err := s.reflect(func(c *grpcreflect.Client) error {
		var err error
		names, err = c.ListServices()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	// After reflect, since detection may have chosen a built-in schema.
	if files := s.registry(); files != nil {
		files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
			for i := 0; i < fd.Services().Len(); i++ {
				sd := fd.Services().Get(i)
				byName[sd.FullName()] = sd
			}
			return true
		})
	}
	if used {
		for _, name := range names {
			if strings.HasPrefix(string(name), "grpc.reflection.") {
				continue
			}
			if _, ok := byName[name]; ok {
				continue
			}
			d, err := s.find(ctx, name)
			if errors.Is(err, ErrMalformedReflection) {
				// One service the repair cannot save should not hide the others.
				left = append(left, fmt.Errorf("service %s: %w", name, err))
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("service %s: %w", name, err)
			}
			if sd, ok := d.(protoreflect.ServiceDescriptor); ok {
				byName[name] = sd
			}
		}
	}
	s.mu.Lock()
	s.leftOut = left
	s.mu.Unlock()
	out := make([]protoreflect.ServiceDescriptor, 0, len(byName))
	for _, sd := range byName {
		if strings.HasPrefix(string(sd.FullName()), "grpc.reflection.") {
			continue
		}
		out = append(out, sd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName() < out[j].FullName() })
	return out, nil
}

// LeftOut says which services the last Services (or Methods) call left
// out because the server's reflection for them is malformed beyond repair.
func (s *Source) LeftOut() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.leftOut...)
}

// Methods returns every method of every service, sorted by "pkg.Service/Method".
func (s *Source) Methods(ctx context.Context) ([]protoreflect.MethodDescriptor, error) {
	services, err := s.Services(ctx)
	if err != nil {
		return nil, err
	}
	var out []protoreflect.MethodDescriptor
	for _, sd := range services {
		for i := 0; i < sd.Methods().Len(); i++ {
			out = append(out, sd.Methods().Get(i))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return MethodName(out[i]) < MethodName(out[j]) })
	return out, nil
}

// FindMethod accepts "pkg.Service/Method", "pkg.Service.Method" and "/pkg.Service/Method".
func (s *Source) FindMethod(ctx context.Context, name string) (protoreflect.MethodDescriptor, error) {
	svc, method, ok := splitMethod(name)
	if !ok {
		return nil, fmt.Errorf("method %q: want pkg.Service/Method", name)
	}
	d, err := s.find(ctx, protoreflect.FullName(svc))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("method %s: service %s %w", name, svc, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("method %s: %s is not a service: %w", name, svc, ErrNotFound)
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		var names []string
		for i := 0; i < sd.Methods().Len(); i++ {
			names = append(names, string(sd.Methods().Get(i).Name()))
		}
		return nil, fmt.Errorf("method %s: %w in %s (it has %s)", name, ErrNotFound, svc, strings.Join(names, ", "))
	}
	return md, nil
}

func splitMethod(name string) (svc, method string, ok bool) {
	name = strings.TrimPrefix(strings.TrimPrefix(name, "/"), ".")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return name[:i], name[i+1:], i > 0 && i < len(name)-1
	}
	if i := strings.LastIndex(name, "."); i > 0 && i < len(name)-1 {
		return name[:i], name[i+1:], true
	}
	return "", "", false
}

// FindSymbol finds a service, method, message, enum or field by full name
// (a leading "." and the "/" form for methods are accepted).
func (s *Source) FindSymbol(ctx context.Context, name string) (protoreflect.Descriptor, error) {
	clean := strings.TrimPrefix(strings.TrimPrefix(name, "/"), ".")
	if strings.Contains(clean, "/") {
		return s.FindMethod(ctx, clean)
	}
	if clean == "" {
		return nil, fmt.Errorf("symbol %q: empty name", name)
	}
	return s.find(ctx, protoreflect.FullName(clean))
}

func (s *Source) findInFiles(name protoreflect.FullName) protoreflect.Descriptor {
	if files := s.registry(); files != nil {
		if d, err := files.FindDescriptorByName(name); err == nil {
			return d
		}
	}
	return nil
}

func (s *Source) find(_ context.Context, name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d := s.findInFiles(name); d != nil {
		return d, nil
	}
	var d protoreflect.Descriptor
	used, err := s.reflect(func(c *grpcreflect.Client) error {
		var err error
		d, err = c.AsResolver().FindDescriptorByName(name)
		return err
	})
	if !used {
		if err != nil {
			return nil, err
		}
		if d := s.findInFiles(name); d != nil { // a built-in schema chosen just now
			return d, nil
		}
		if d, err := protoregistry.GlobalFiles.FindDescriptorByName(name); err == nil && isBuiltin(d) {
			return d, nil
		}
		if schema, why := s.Schema(); schema != "" && s.Reflection() == ReflectionNone {
			return nil, fmt.Errorf("symbol %q %w in the %s schema (chosen because %s; the server has no reflection: give its schema with --proto or --protoset)", name, ErrNotFound, schema, why)
		}
		return nil, fmt.Errorf("symbol %q %w", name, ErrNotFound)
	}
	if err != nil {
		if errors.Is(err, protoregistry.NotFound) || grpcreflect.IsElementNotFoundError(err) || status.Code(err) == codes.NotFound {
			return nil, fmt.Errorf("symbol %q %w", name, ErrNotFound)
		}
		if errors.Is(err, ErrMalformedReflection) {
			return nil, fmt.Errorf("symbol %q: %w; %s", name, err, schemaHint)
		}
		return nil, fmt.Errorf("symbol %q: %w", name, err)
	}
	return d, nil
}

// isBuiltin tells well-known and google.rpc types, which resolve without a server.
func isBuiltin(d protoreflect.Descriptor) bool {
	p := d.ParentFile().Path()
	return strings.HasPrefix(p, "google/protobuf/") || strings.HasPrefix(p, "google/rpc/")
}

// TypeResolver returns what protojson needs for Any fields and error
// details: the schema files' types, then google.rpc and well-known types,
// then the server's through reflection.
func (s *Source) TypeResolver() interface {
	protoregistry.MessageTypeResolver
	protoregistry.ExtensionTypeResolver
} {
	return typeResolver{s}
}

type typeResolver struct{ s *Source }

func (r typeResolver) resolvers() []protoresolve.TypeResolver {
	var out []protoresolve.TypeResolver
	if files := r.s.registry(); files != nil {
		out = append(out, files.AsTypeResolver())
	}
	out = append(out, builtinTypes{})
	if client := r.s.detectedClient(); client != nil {
		out = append(out, client.AsResolver().AsTypeResolver())
	}
	return out
}

func (r typeResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	for _, res := range r.resolvers() {
		if mt, err := res.FindMessageByName(name); err == nil {
			return mt, nil
		}
	}
	return protoregistry.GlobalTypes.FindMessageByName(name)
}

func (r typeResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	for _, res := range r.resolvers() {
		if mt, err := res.FindMessageByURL(url); err == nil {
			return mt, nil
		}
	}
	return protoregistry.GlobalTypes.FindMessageByURL(url)
}

func (r typeResolver) FindExtensionByName(name protoreflect.FullName) (protoreflect.ExtensionType, error) {
	for _, res := range r.resolvers() {
		if xt, err := res.FindExtensionByName(name); err == nil {
			return xt, nil
		}
	}
	return protoregistry.GlobalTypes.FindExtensionByName(name)
}

func (r typeResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	for _, res := range r.resolvers() {
		if xt, err := res.FindExtensionByNumber(message, field); err == nil {
			return xt, nil
		}
	}
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}

// builtinTypes resolves well-known and google.rpc types, and nothing else,
// from protobuf-go's registry. They come before reflection: asking the
// server for them costs a round trip for the details of every failed call,
// and these types are the same everywhere.
type builtinTypes struct{}

func (builtinTypes) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	return builtinMessage(protoregistry.GlobalTypes.FindMessageByName(name))
}

func (builtinTypes) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	return builtinMessage(protoregistry.GlobalTypes.FindMessageByURL(url))
}

func builtinMessage(mt protoreflect.MessageType, err error) (protoreflect.MessageType, error) {
	if err != nil || !isBuiltin(mt.Descriptor()) {
		return nil, protoregistry.NotFound
	}
	return mt, nil
}

func (builtinTypes) FindEnumByName(name protoreflect.FullName) (protoreflect.EnumType, error) {
	et, err := protoregistry.GlobalTypes.FindEnumByName(name)
	if err != nil || !isBuiltin(et.Descriptor()) {
		return nil, protoregistry.NotFound
	}
	return et, nil
}

// The well-known and google.rpc files define no extensions.

func (builtinTypes) FindExtensionByName(protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return nil, protoregistry.NotFound
}

func (builtinTypes) FindExtensionByNumber(protoreflect.FullName, protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return nil, protoregistry.NotFound
}

// loadFiles puts the forced schema's files (when schema is not nil), the
// protosets and the compiled .proto files into one registry.
func loadFiles(ctx context.Context, opts Options, schema *Schema) (*protoresolve.Registry, error) {
	reg := &protoresolve.Registry{}
	register := func(fd protoreflect.FileDescriptor) error { return registerRecursive(reg, fd) }
	if schema != nil {
		files, err := schema.allFiles()
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", schema.Name, err)
		}
		for _, fd := range files {
			if err := register(fd); err != nil {
				return nil, fmt.Errorf("schema %s: %w", schema.Name, err)
			}
		}
	}
	for _, path := range opts.Protosets {
		files, err := readProtoset(path)
		if err != nil {
			return nil, err
		}
		for _, fd := range files {
			if err := register(fd); err != nil {
				return nil, fmt.Errorf("protoset %s: %w", path, err)
			}
		}
	}
	if len(opts.ProtoFiles) == 0 {
		return reg, nil
	}
	importPaths, names, err := protoNames(opts.ProtoFiles, opts.ImportPaths)
	if err != nil {
		return nil, err
	}
	compiled, err := compileProtos(ctx, importPaths, names)
	if err != nil {
		return nil, err
	}
	for _, fd := range compiled {
		if err := register(fd); err != nil {
			return nil, fmt.Errorf("proto %s: %w", fd.Path(), err)
		}
	}
	return reg, nil
}

// compileProtos compiles .proto files named relative to importPaths, with
// google/protobuf/* available without an import path.
func compileProtos(ctx context.Context, importPaths, names []string) ([]protoreflect.FileDescriptor, error) {
	compiler := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			ImportPaths: importPaths,
			Accessor: func(path string) (io.ReadCloser, error) {
				return os.Open(path)
			},
		}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	compiled, err := compiler.Compile(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("proto: %w", err)
	}
	out := make([]protoreflect.FileDescriptor, len(compiled))
	for i, fd := range compiled {
		out[i] = fd
	}
	return out, nil
}

// registerRecursive adds fd and its imports to reg, each once.
func registerRecursive(reg *protoresolve.Registry, fd protoreflect.FileDescriptor) error {
	if _, err := reg.FindFileByPath(fd.Path()); err == nil {
		return nil
	}
	for i := 0; i < fd.Imports().Len(); i++ {
		if err := registerRecursive(reg, fd.Imports().Get(i).FileDescriptor); err != nil {
			return err
		}
	}
	return reg.RegisterFile(fd)
}

// protoNames turns --proto arguments into names relative to an import path,
// as protoc does: a file under an import path is named relative to it;
// without import paths each file's directory becomes one.
func protoNames(files, importPaths []string) ([]string, []string, error) {
	paths := append([]string(nil), importPaths...)
	names := make([]string, 0, len(files))
	for _, f := range files {
		name, ok := relativeToImportPath(f, importPaths)
		if !ok {
			if len(importPaths) > 0 {
				if _, err := os.Stat(f); err != nil {
					return nil, nil, fmt.Errorf("proto %s: not found in the current directory nor under --import-path %s", f, strings.Join(importPaths, ", "))
				}
			}
			dir := filepath.Dir(f)
			paths = append(paths, dir)
			name = filepath.ToSlash(filepath.Base(f))
		}
		names = append(names, name)
	}
	return dedupe(paths), names, nil
}

func relativeToImportPath(file string, importPaths []string) (string, bool) {
	absFile, err := filepath.Abs(file)
	if err != nil {
		return "", false
	}
	for _, ip := range importPaths {
		absIP, err := filepath.Abs(ip)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(absIP, absFile); err == nil && !strings.HasPrefix(rel, "..") {
			if _, err := os.Stat(absFile); err == nil {
				return filepath.ToSlash(rel), true
			}
		}
		// A name given relative to an import path rather than the current directory.
		if _, err := os.Stat(filepath.Join(ip, file)); err == nil && !filepath.IsAbs(file) {
			return filepath.ToSlash(file), true
		}
	}
	return "", false
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
