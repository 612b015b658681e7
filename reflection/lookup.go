package reflection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jhump/protoreflect/v2/grpcreflect"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"sockscope/internal/grpcservices"
)

// Services lists the services in the schema files and those the server
// lists through reflection, sorted by name; reflection's own are left out,
// and so are the services of a built-in schema that the daemon does not
// serve (see NotServed), unless Options.ShowUnserved,
// and so are services whose malformed reflection cannot be repaired (see
// LeftOut); a listed service reflection does not describe is left out
// too, unless it is one whose built-in definition stands in (see
// BuiltInFallbacks). It fails with ErrNoReflection when the server has no
// reflection and no schema was given or chosen, and with an error wrapping
// ctx.Err() when ctx ends first (see Source).
func (s *Source) Services(ctx context.Context) ([]protoreflect.ServiceDescriptor, error) {
	byName := map[protoreflect.FullName]protoreflect.ServiceDescriptor{}
	var names []protoreflect.FullName
	var left []error
	used, err := s.reflect(ctx, func(c *grpcreflect.Client) error {
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
			if grpcservices.IsInfrastructure(string(name), grpcservices.ReflectionOnly) {
				continue
			}
			if _, ok := byName[name]; ok {
				continue
			}
			d, err := s.find(ctx, name)
			switch {
			case errors.Is(err, ErrMalformedReflection):
				// One service the repair cannot save should not hide the others.
				left = append(left, &ServiceError{Service: name, Err: err})
				continue
			case errors.Is(err, ErrNotFound) && ctx.Err() == nil:
				// Listed but not described (gRPC C++'s default health
				// service, a file importing one that is not served): the
				// others are still worth listing.
				left = append(left, s.explainUndescribed(ctx, name))
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
	if !used && len(byName) > 0 {
		names := make([]string, 0, len(byName))
		for name := range byName {
			names = append(names, string(name))
		}
		s.askServed(ctx, names)
	}
	s.mu.Lock()
	s.leftOut = left
	notServed, showAll := s.notServed, s.showUnserved
	s.mu.Unlock()
	out := make([]protoreflect.ServiceDescriptor, 0, len(byName))
	for _, sd := range byName {
		if grpcservices.IsInfrastructure(string(sd.FullName()), grpcservices.ReflectionOnly) {
			continue
		}
		if _, no := notServed[string(sd.FullName())]; no && !showAll && !used {
			continue
		}
		out = append(out, sd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName() < out[j].FullName() })
	return out, nil
}

// LeftOut says which services the last Services (or Methods) call left
// out, each a *ServiceError naming the service and why: its reflection is malformed
// beyond repair (ErrMalformedReflection), or reflection lists it without
// describing it (ErrUndescribed).
func (s *Source) LeftOut() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.leftOut...)
}

// Methods returns every method of every service, sorted by
// "pkg.Service/Method". Its errors are Services'.
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

// FindMethod finds a method by "pkg.Service/Method", "pkg.Service.Method"
// or "/pkg.Service/Method". The error wraps ErrNotFound when no schema
// source has it, ErrMalformedReflection when the server describes it
// beyond repair, and ctx.Err() when ctx ends first (see Source).
func (s *Source) FindMethod(ctx context.Context, name string) (protoreflect.MethodDescriptor, error) {
	svc, method, ok := splitMethod(name)
	if !ok {
		return nil, fmt.Errorf("method %q: want pkg.Service/Method", name)
	}
	d, err := s.findOrExplain(ctx, protoreflect.FullName(svc))
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

// ServiceError is a service that a listing left out (see LeftOut) or a
// look-up could not describe, and why.
type ServiceError struct {
	Service protoreflect.FullName
	Err     error
}

func (e *ServiceError) Error() string { return fmt.Sprintf("service %s: %v", e.Service, e.Err) }
func (e *ServiceError) Unwrap() error { return e.Err }

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
// (a leading "." and the "/" form for methods are accepted). Its errors
// are FindMethod's.
func (s *Source) FindSymbol(ctx context.Context, name string) (protoreflect.Descriptor, error) {
	clean := strings.TrimPrefix(strings.TrimPrefix(name, "/"), ".")
	if strings.Contains(clean, "/") {
		return s.FindMethod(ctx, clean)
	}
	if clean == "" {
		return nil, fmt.Errorf("symbol %q: empty name", name)
	}
	return s.findOrExplain(ctx, protoreflect.FullName(clean))
}

// findOrExplain is find, except that a service the server lists but whose
// schema reflection does not give fails with ErrUndescribed, saying why,
// rather than as not found.
func (s *Source) findOrExplain(ctx context.Context, name protoreflect.FullName) (protoreflect.Descriptor, error) {
	d, err := s.find(ctx, name)
	if !errors.Is(err, ErrNotFound) || ctx.Err() != nil || s.Reflection() == ReflectionNone || s.conn == nil {
		return d, err
	}
	var listed []protoreflect.FullName
	if _, lerr := s.reflect(ctx, func(c *grpcreflect.Client) error {
		var err error
		listed, err = c.ListServices()
		return err
	}); lerr != nil || !slices.Contains(listed, name) {
		return d, err
	}
	return nil, s.explainUndescribed(ctx, name)
}

func (s *Source) findInFiles(name protoreflect.FullName) protoreflect.Descriptor {
	if files := s.registry(); files != nil {
		if d, err := files.FindDescriptorByName(name); err == nil {
			return d
		}
	}
	return nil
}

func (s *Source) find(ctx context.Context, name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d := s.findInFiles(name); d != nil {
		return d, nil
	}
	var d protoreflect.Descriptor
	used, err := s.reflect(ctx, func(c *grpcreflect.Client) error {
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
			if d, service, ok := builtInFallback(name); ok {
				s.noteFallback(service)
				return d, nil
			}
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
