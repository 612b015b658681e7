package reflection

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/jhump/protoreflect/v2/protoresolve"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Schema is a daemon API sockscope knows without the daemon's help, for the
// many daemons that serve no reflection. Built-in ones come from the Go
// modules that publish the API, never from copied .proto files; users add
// their own in a schema directory (see UserSchemaDir).
type Schema struct {
	// Name is what --schema takes.
	Name string
	// Description says which daemon speaks it.
	Description string
	// Origin is "built-in" or the user schema's file or directory.
	Origin string
	// socketPatterns identify the daemon's socket: a base name
	// ("containerd.sock"), a directory on its path ending in "/"
	// ("device-plugins/"), or a glob matched against the base name and the
	// whole path ("*-reg.sock", "/run/mine/*.sock").
	socketPatterns []string
	// probe is one cheap, read-only method whose answer (anything but
	// Unimplemented) shows the server speaks this API; empty means the
	// schema is never chosen by probing, only by name or --schema.
	probe string
	// files are a user schema's, compiled or read when first needed; set
	// is a built-in schema's protoset, whose files are built one by one as
	// they are used. A schema has one of the two.
	files func() ([]protoreflect.FileDescriptor, error)
	set   func() (*lazySet, error)
	// served, when set, asks the daemon which of the schema's services it
	// serves (containerd's introspection).
	served servedFunc
}

// allFiles builds every file of the schema.
func (s Schema) allFiles() ([]protoreflect.FileDescriptor, error) {
	if s.set == nil {
		return s.files()
	}
	set, err := s.set()
	if err != nil {
		return nil, err
	}
	return set.all()
}

// resolver is what a Source looks symbols up in: a built-in schema's files
// are built only as symbols in them are needed.
func (s Schema) resolver() (protoresolve.Resolver, error) {
	if s.set == nil {
		return s.registry()
	}
	set, err := s.set()
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", s.Name, err)
	}
	return protoresolve.ResolverFromPool(set), nil
}

// OriginBuiltIn is the Origin of the schemas compiled into sockscope.
const OriginBuiltIn = "built-in"

// healthSchema is always built in: nearly every server has health, so
// answering it says nothing about the rest of its API, and it is never
// chosen by probing, only by --schema.
var healthSchema = Schema{
	Name:        "grpc.health.v1",
	Description: "the standard gRPC health service alone",
	Origin:      OriginBuiltIn,
	files: func() ([]protoreflect.FileDescriptor, error) {
		return []protoreflect.FileDescriptor{healthpb.File_grpc_health_v1_health_proto}, nil
	},
}

// Schemas lists every schema in the order they are tried: the user's
// first, so a user can override a built-in one, then the built-in daemon
// APIs, then grpc.health.v1. Problems reading the user's schema directory
// are returned beside the schemas that could be read.
func Schemas() ([]Schema, []error) {
	user, errs := userSchemas(UserSchemaDir())
	all := user
	overridden := map[string]bool{}
	for _, s := range user {
		overridden[s.Name] = true
	}
	for _, s := range append(daemonSchemas, healthSchema) {
		if !overridden[s.Name] {
			all = append(all, s)
		}
	}
	return all, errs
}

func findSchema(name string) (Schema, error) {
	all, errs := Schemas()
	var names []string
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	msg := fmt.Sprintf("no schema %q (there are: %s)", name, strings.Join(names, ", "))
	if len(errs) > 0 {
		msg += "; " + errors.Join(errs...).Error()
	}
	return Schema{}, errors.New(msg)
}

func (s Schema) registry() (*protoresolve.Registry, error) {
	files, err := s.allFiles()
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", s.Name, err)
	}
	reg := &protoresolve.Registry{}
	for _, fd := range files {
		if err := registerRecursive(reg, fd); err != nil {
			return nil, fmt.Errorf("schema %s: %w", s.Name, err)
		}
	}
	return reg, nil
}

// matchesSocket tells whether path looks like this daemon's socket.
func (s Schema) matchesSocket(path string) bool {
	slashed := filepath.ToSlash(path)
	base := filepath.Base(path)
	for _, p := range s.socketPatterns {
		switch {
		case strings.HasSuffix(p, "/"):
			if strings.Contains(slashed, "/"+p) {
				return true
			}
		case strings.ContainsAny(p, "*?["):
			if ok, _ := filepath.Match(p, base); ok {
				return true
			}
			if ok, _ := filepath.Match(p, slashed); ok {
				return true
			}
		case base == p:
			return true
		}
	}
	return false
}

// answers calls the schema's probe method with an empty request; any answer
// but Unimplemented (even an error about the request) shows the API is there.
// unanswered is true when no answer came: the server could not be reached,
// or ctx ended first.
func (s Schema) answers(ctx context.Context, conn grpc.ClientConnInterface) (yes, unanswered bool) {
	err := conn.Invoke(ctx, s.probe, &emptypb.Empty{}, &emptypb.Empty{})
	switch status.Code(err) {
	case codes.Unimplemented:
		return false, false
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return false, true
	}
	return true, false
}

// ChooseSchema tells which schema a server without reflection speaks, and
// why: by the socket's name first, else by asking each API's probe method
// on conn. ok is false when none fits. ctx bounds the asking.
func ChooseSchema(ctx context.Context, conn grpc.ClientConnInterface, socketPath string) (schema Schema, reason string, ok bool) {
	schema, reason, ok, _ = chooseSchema(ctx, conn, socketPath)
	return schema, reason, ok
}

// chooseSchema is ChooseSchema that also says whether some probe went
// unanswered, which makes "none fits" a guess.
func chooseSchema(ctx context.Context, conn grpc.ClientConnInterface, socketPath string) (schema Schema, reason string, ok, unanswered bool) {
	all, _ := Schemas()
	for _, s := range all {
		if socketPath != "" && s.matchesSocket(socketPath) {
			return s, "the socket's name looks like " + s.Name + "'s", true, false
		}
	}
	for _, s := range all {
		if s.probe == "" {
			continue
		}
		yes, silent := s.answers(ctx, conn)
		if yes {
			return s, "the server answers " + strings.TrimPrefix(s.probe, "/"), true, false
		}
		unanswered = unanswered || silent
	}
	return Schema{}, "", false, unanswered
}

// Services names the schema's services, sorted; none when its files do
// not load.
func (s Schema) Services() []string {
	if s.set != nil {
		// Named from the protoset's index: a scan that only shows names
		// builds nothing.
		set, err := s.set()
		if err != nil {
			return nil
		}
		names := set.services()
		sort.Strings(names)
		return names
	}
	var names []string
	files, _ := s.files()
	for _, fd := range files {
		for i := 0; i < fd.Services().Len(); i++ {
			names = append(names, string(fd.Services().Get(i).FullName()))
		}
	}
	sort.Strings(names)
	return names
}

// SocketPatterns are the socket names, directories and globs that
// identify the daemon.
func (s Schema) SocketPatterns() []string { return append([]string(nil), s.socketPatterns...) }

// Probe is the read-only method called to recognise the API, or "".
func (s Schema) Probe() string { return strings.TrimPrefix(s.probe, "/") }
