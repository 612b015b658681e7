package reflection

import (
	"context"
	"fmt"
	"strings"

	"github.com/jhump/protoreflect/v2/protoresolve"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// servedFunc asks a daemon, through one read-only call, which of its
// schema's services it serves: it returns the services it does not, each
// with why. files resolves the schema's types.
type servedFunc func(ctx context.Context, conn grpc.ClientConnInterface, files protoresolve.Resolver, services []string) (map[string]string, error)

// containerdServed asks containerd's introspection which gRPC plugins it
// loaded: a plugin that is disabled, or failed to start, serves nothing,
// and containerd answers its services UNIMPLEMENTED "unknown service".
func containerdServed(ctx context.Context, conn grpc.ClientConnInterface, files protoresolve.Resolver, services []string) (map[string]string, error) {
	const method = "/containerd.services.introspection.v1.Introspection/Plugins"
	in, err := files.FindDescriptorByName("containerd.services.introspection.v1.PluginsRequest")
	if err != nil {
		return nil, fmt.Errorf("containerd's introspection: %w", err)
	}
	out, err := files.FindDescriptorByName("containerd.services.introspection.v1.PluginsResponse")
	if err != nil {
		return nil, fmt.Errorf("containerd's introspection: %w", err)
	}
	reqMD, respMD := in.(protoreflect.MessageDescriptor), out.(protoreflect.MessageDescriptor)
	req, resp := dynamicpb.NewMessage(reqMD), dynamicpb.NewMessage(respMD)
	filters := req.Mutable(reqMD.Fields().ByName("filters")).List()
	filters.Append(protoreflect.ValueOfString("type==io.containerd.grpc.v1"))
	if err := conn.Invoke(ctx, method, req, resp); err != nil {
		return nil, fmt.Errorf("containerd's introspection: %w", err)
	}
	loaded := map[string]bool{}
	failed := map[string]string{}
	plugins := resp.Get(respMD.Fields().ByName("plugins")).List()
	for i := 0; i < plugins.Len(); i++ {
		p := plugins.Get(i).Message()
		fields := p.Descriptor().Fields()
		id := p.Get(fields.ByName("id")).String()
		if initErr := fields.ByName("init_err"); initErr != nil && p.Has(initErr) {
			st := p.Get(initErr).Message()
			failed[id] = st.Get(st.Descriptor().Fields().ByName("message")).String()
			continue
		}
		loaded[id] = true
	}
	notServed := map[string]string{}
	for _, svc := range services {
		id, ok := containerdPlugin(svc)
		switch {
		case !ok || loaded[id]:
		case failed[id] != "":
			notServed[svc] = fmt.Sprintf("containerd's plugin %s failed to start: %s", id, failed[id])
		default:
			notServed[svc] = fmt.Sprintf("containerd's introspection lists no plugin %s (disabled, or not in this version)", id)
		}
	}
	return notServed, nil
}

// containerdPlugin is the id of the gRPC plugin that serves a containerd
// service: the package's name in containerd.services.NAME.v1, but for the
// few plugins named otherwise; ok is false for a service of no known plugin.
func containerdPlugin(service string) (id string, ok bool) {
	switch {
	case strings.HasPrefix(service, "runtime.v1."):
		return "cri", true
	case service == "containerd.services.sandbox.v1.Controller":
		return "sandbox-controllers", true
	case service == "containerd.services.sandbox.v1.Store":
		return "sandboxes", true
	case service == "grpc.health.v1.Health":
		return "healthcheck", true
	}
	rest, found := strings.CutPrefix(service, "containerd.services.")
	if !found {
		return "", false
	}
	pkg, _, found := strings.Cut(rest, ".")
	return pkg, found
}

// isUnknownService tells gRPC's answer for a service the server does not
// register, which grpc-go and the C-core servers give alike.
func isUnknownService(st *status.Status) bool {
	return st.Code() == codes.Unimplemented && strings.Contains(st.Message(), "unknown service")
}

// NoteAnswer records that the server answered a call to method with st:
// an UNIMPLEMENTED "unknown service" marks its service as not served (see
// NotServed), which later listings of a built-in schema leave out.
func (s *Source) NoteAnswer(method protoreflect.MethodDescriptor, st *status.Status) {
	if st == nil || !isUnknownService(st) {
		return
	}
	service := string(method.Parent().FullName())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notServed == nil {
		s.notServed = map[string]string{}
	}
	if _, known := s.notServed[service]; !known {
		s.notServed[service] = "the server answered a call to it UNIMPLEMENTED: unknown service"
	}
}

// NotServed names the services of the schema in use that the server does
// not serve, each with why: its daemon said so (containerd's
// introspection), or it answered a call UNIMPLEMENTED "unknown service".
// Listings leave them out unless Options.ShowUnserved.
func (s *Source) NotServed() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.notServed))
	for k, v := range s.notServed {
		out[k] = v
	}
	return out
}

// askServed asks the daemon of the built-in schema in use which of its
// services it serves, once, within ctx; a daemon that cannot say leaves
// every service listed.
func (s *Source) askServed(ctx context.Context, services []string) {
	s.mu.Lock()
	schema, asked, files := s.schema, s.servedAsked, s.files
	s.mu.Unlock()
	if schema == nil || schema.served == nil || asked || s.conn == nil || files == nil {
		return
	}
	probeCtx, cancel := context.WithTimeout(s.withHeader(ctx), schemaProbeTimeout)
	defer cancel()
	notServed, err := schema.served(probeCtx, s.conn, files, services)
	if err != nil && ctx.Err() != nil {
		return // cut short: ask again next time
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servedAsked = true
	if s.notServed == nil {
		s.notServed = map[string]string{}
	}
	for k, v := range notServed {
		s.notServed[k] = v
	}
}

// ServedByDaemon asks the daemon behind conn, which speaks schema, which
// of the schema's services it does not serve, each with why, as
// Source.NotServed says; nil when the schema's daemon has no way to say,
// or it could not be asked within ctx.
func ServedByDaemon(ctx context.Context, conn grpc.ClientConnInterface, schema Schema) map[string]string {
	if schema.served == nil {
		return nil
	}
	files, err := schema.resolver()
	if err != nil {
		return nil
	}
	notServed, err := schema.served(ctx, conn, files, schema.Services())
	if err != nil {
		return nil
	}
	return notServed
}
