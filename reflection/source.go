// Package reflection owns where schemas come from: server reflection (v1,
// falling back to v1alpha), .proto files compiled at run time and protosets.
// It resolves symbols across them, and renders request templates and
// describe text; reflection/repair makes malformed reflection answers
// usable first. It knows nothing of sockets or screens.
package reflection

import (
	"context"
	"errors"
	"sync"

	"github.com/jhump/protoreflect/v2/grpcreflect"
	"github.com/jhump/protoreflect/v2/protoresolve"
	_ "google.golang.org/genproto/googleapis/rpc/errdetails" // google.rpc error details always resolve
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"sockscope/reflection/repair"
)

// ErrNoReflection means the server answered Unimplemented to both reflection
// APIs, and no schema was given or could be chosen for it.
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
	// Schema forces a schema, built in or the user's, by name (see
	// Schemas); empty lets a server without reflection get one chosen by
	// socket name or by probing.
	Schema string
	// SocketPath is the socket's path, used to recognise well-known daemons.
	SocketPath string
	// Header is sent with every reflection request and schema probe: a
	// server that checks credentials usually checks them on every RPC.
	// Without it, the outgoing metadata of Open's ctx is sent instead.
	Header metadata.MD
	// ShowUnserved keeps in listings the services of a built-in schema that
	// the daemon does not serve (see Source.NotServed).
	ShowUnserved bool
}

// Source resolves symbols: from files first, then from server reflection.
// It is safe for concurrent use.
//
// Each look-up (Services, Methods, FindMethod, FindSymbol) obeys the ctx it
// is given, and only that: when ctx ends, the look-up stops and returns an
// error that wraps ctx.Err(), and the Source stays usable; a later look-up
// opens a new reflection stream if it needs one. Look-ups that need the
// server take turns, so one waiting for its turn obeys its ctx too.
// Reflection requests and schema probes carry the Source's header (see
// Options.Header), never the look-up ctx's metadata, since one stream
// serves every look-up.
type Source struct {
	conn       grpc.ClientConnInterface
	socketPath string
	autoSchema bool
	header     metadata.MD
	// streamCtx is what reflection streams are opened under: it ends only
	// at Close. gate ties each stream to the look-up using it.
	streamCtx  context.Context
	endStreams context.CancelFunc
	gate       *gate

	mu           sync.Mutex
	files        protoresolve.Resolver // nil without files; read through registry()
	detected     bool
	client       *grpcreflect.Client
	version      string
	reflErr      error
	schemaName   string
	schemaReason string
	schemaOrigin string
	leftOut      []error  // services the last Services call could not resolve
	fallbacks    []string // services described by their built-in definition
	schema       *Schema  // the built-in or user schema in use, if any
	servedAsked  bool     // schema.served was asked
	notServed    map[string]string
	showUnserved bool
}

// Open loads the schema files and, when conn is non-nil, prepares to use
// the server's reflection on it. ctx bounds Open's own work, compiling
// .proto files; ending it later affects nothing. The reflection stream is
// opened by the first look-up that needs it and lives until Close; it
// keeps ctx's values but not its deadline or cancellation. Which reflection
// API the server has is learned on first use.
func Open(ctx context.Context, conn grpc.ClientConnInterface, opts Options) (*Source, error) {
	s := &Source{conn: conn, socketPath: opts.SocketPath, gate: newGate(), header: opts.Header, showUnserved: opts.ShowUnserved}
	if len(s.header) == 0 {
		s.header, _ = metadata.FromOutgoingContext(ctx)
	}
	var forced *Schema
	if opts.Schema != "" {
		schema, err := findSchema(opts.Schema)
		if err != nil {
			return nil, err
		}
		forced = &schema
		s.schema = forced
		s.schemaName, s.schemaReason, s.schemaOrigin = schema.Name, "--schema "+opts.Schema, schema.Origin
	}
	switch {
	case len(opts.ProtoFiles) == 0 && len(opts.Protosets) == 1 && forced == nil:
		// One protoset alone is read as the built-in schemas are: indexed
		// at once, each file built when a symbol in it is first needed.
		set, err := readLazyProtoset(opts.Protosets[0])
		if err != nil {
			return nil, err
		}
		s.files = protoresolve.ResolverFromPool(set)
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
	if conn != nil {
		s.streamCtx, s.endStreams = context.WithCancel(metadata.NewOutgoingContext(context.WithoutCancel(ctx), s.header))
	}
	return s, nil
}

// withHeader is ctx carrying the Source's header as its only metadata.
func (s *Source) withHeader(ctx context.Context) context.Context {
	return metadata.NewOutgoingContext(ctx, s.header)
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

// Close ends the reflection stream, and with it any look-up still using
// it. Look-ups after Close fail.
func (s *Source) Close() {
	if s.endStreams == nil {
		return
	}
	s.endStreams()
	if client := s.detectedClient(); client != nil {
		client.Reset()
	}
}

// Reflection reports which reflection API the server answered: "v1",
// "v1alpha", "none", or "" until a look-up has learnt it (and always
// without a conn).
func (s *Source) Reflection() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}
