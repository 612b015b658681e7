package reflection

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	csi "github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"sockscope/sample"
)

// dialSocket connects to a unix socket with the :authority real clients use.
func dialSocket(t *testing.T, path string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithAuthority("localhost"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// serveOn starts srv on a fresh unix socket called name and returns its path.
func serveOn(t *testing.T, srv *grpc.Server, name string) string {
	t.Helper()
	path := filepath.Join(tableTempDir(t), name)
	lis, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return path
}

// bareServer is a gRPC server with no reflection and no services, as many
// daemons look to a client that has not guessed their API.
func bareServer(t *testing.T, name string) string {
	return serveOn(t, grpc.NewServer(), name)
}

type csiIdentity struct {
	csi.UnimplementedIdentityServer
}

func (csiIdentity) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: "test.csi.example", VendorVersion: "1.0"}, nil
}

// openSchemaSource opens a Source on path and lists its services, which is
// what makes a server without reflection get a schema.
func openSchemaSource(t *testing.T, path string, opts Options) (*Source, []string) {
	t.Helper()
	opts.SocketPath = path
	ctx, src := openSource(t, dialSocket(t, path), opts)
	services, err := src.Services(ctx)
	if err != nil {
		t.Fatalf("Services: %v", err)
	}
	var names []string
	for _, sd := range services {
		names = append(names, string(sd.FullName()))
	}
	return src, names
}

func wantSchema(t *testing.T, src *Source, services []string, name, reasonPart, service string) {
	t.Helper()
	got, why := src.Schema()
	if got != name || !strings.Contains(why, reasonPart) {
		t.Errorf("schema %q (%s), want %q with a reason containing %q", got, why, name, reasonPart)
	}
	for _, s := range services {
		if s == service {
			return
		}
	}
	t.Errorf("services %v lack %s", services, service)
}

func TestSchemaChosenBySocketName(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", tableTempDir(t)) // no user schemas
	for _, tc := range []struct{ socket, schema, service string }{
		{"containerd.sock", "containerd", "containerd.services.tasks.v1.Tasks"},
		{"crio.sock", "cri", "runtime.v1.RuntimeService"},
		{"csi.sock", "csi", "csi.v1.Node"},
		{"dra.sock", "kubelet-dra", "k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin"},
		{"gpu-reg.sock", "kubelet-plugin-registration", "pluginregistration.Registration"},
	} {
		t.Run(tc.socket, func(t *testing.T) {
			path := bareServer(t, tc.socket)
			src, services := openSchemaSource(t, path, Options{})
			wantSchema(t, src, services, tc.schema, "the socket's name looks like", tc.service)
			if src.SchemaOrigin() != OriginBuiltIn {
				t.Errorf("origin %q", src.SchemaOrigin())
			}
		})
	}
}

func TestSchemaChosenByDirectory(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", tableTempDir(t))
	root := tableTempDir(t)
	for _, tc := range []struct{ dir, schema, service string }{
		{"pod-resources", "kubelet-pod-resources", "v1.PodResourcesLister"},
		{"device-plugins", "kubelet-device-plugin", "v1beta1.DevicePlugin"},
	} {
		dir := filepath.Join(root, tc.dir)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		lis, err := net.Listen("unix", filepath.Join(dir, "kubelet.sock"))
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(lis)
		t.Cleanup(srv.Stop)
		src, services := openSchemaSource(t, filepath.Join(dir, "kubelet.sock"), Options{})
		wantSchema(t, src, services, tc.schema, "the socket's name looks like", tc.service)
	}
}

func TestSchemaChosenByProbing(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", tableTempDir(t))
	srv := grpc.NewServer()
	csi.RegisterIdentityServer(srv, csiIdentity{})
	path := serveOn(t, srv, "storage.sock")
	src, services := openSchemaSource(t, path, Options{})
	wantSchema(t, src, services, "csi", "the server answers csi.v1.Identity/GetPluginInfo", "csi.v1.Controller")

	md, err := src.FindMethod(context.Background(), "csi.v1.Identity/GetPluginInfo")
	if err != nil {
		t.Fatalf("FindMethod: %v", err)
	}
	if md.Output().FullName() != "csi.v1.GetPluginInfoResponse" {
		t.Errorf("GetPluginInfo returns %s", md.Output().FullName())
	}
}

func TestSchemaNotGuessed(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", tableTempDir(t))
	path := bareServer(t, "mystery.sock")
	ctx, src := openSource(t, dialSocket(t, path), Options{SocketPath: path})
	if _, err := src.Services(ctx); !errors.Is(err, ErrNoReflection) {
		t.Fatalf("a server nothing recognises: err %v, want ErrNoReflection", err)
	}
	if name, _ := src.Schema(); name != "" {
		t.Errorf("schema %q guessed for a server that answers no probe", name)
	}
}

func TestSchemaForced(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", tableTempDir(t))
	path := bareServer(t, "mystery.sock")
	src, services := openSchemaSource(t, path, Options{Schema: "kubelet-device-plugin"})
	wantSchema(t, src, services, "kubelet-device-plugin", "--schema kubelet-device-plugin", "v1beta1.Registration")

	_, err := Open(context.Background(), nil, Options{Schema: "nonesuch"})
	if err == nil || !strings.Contains(err.Error(), `no schema "nonesuch"`) || !strings.Contains(err.Error(), "containerd") {
		t.Errorf("unknown --schema: %v", err)
	}
}

// userSchemaDir makes $XDG_CONFIG_HOME/sockscope/schemas and returns it.
func userSchemaDir(t *testing.T) string {
	t.Helper()
	config := tableTempDir(t)
	t.Setenv("XDG_CONFIG_HOME", config)
	dir := filepath.Join(config, "sockscope", "schemas")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// addUserSchema copies the sample's .proto tree into schemas/name with conf
// as its schema.conf.
func addUserSchema(t *testing.T, schemas, name, conf string) string {
	t.Helper()
	dir := filepath.Join(schemas, name)
	if err := os.Rename(tableProtoDir(t), dir); err != nil {
		t.Fatal(err)
	}
	if conf != "" {
		if err := os.WriteFile(filepath.Join(dir, schemaConfName), []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUserSchemaBySocketPattern(t *testing.T) {
	schemas := userSchemaDir(t)
	dir := addUserSchema(t, schemas, "mydaemon", "# the sample, as a user would add their daemon's API\nsocket mydaemon-*.sock\ndescription my daemon\n")
	path := serveSample(t, "mydaemon-1.sock", sample.ReflectionNone, nil)
	src, services := openSchemaSource(t, path, Options{})
	wantSchema(t, src, services, "mydaemon", "the socket's name looks like mydaemon's", "sample.v1.Echo")
	if src.SchemaOrigin() != dir {
		t.Errorf("origin %q, want %q", src.SchemaOrigin(), dir)
	}
	md, err := src.FindMethod(context.Background(), "sample.v1.Workloads/ListWorkloads")
	if err != nil {
		t.Fatal(err)
	}
	if loc := md.ParentFile().SourceLocations().ByDescriptor(md); loc.LeadingComments == "" {
		t.Error("a user schema compiled from .proto files lost its comments")
	}
}

func TestUserSchemaByProbe(t *testing.T) {
	schemas := userSchemaDir(t)
	addUserSchema(t, schemas, "mydaemon", "probe sample.v1.Echo/Echo\n")
	path := serveSample(t, "unnamed.sock", sample.ReflectionNone, nil)
	src, services := openSchemaSource(t, path, Options{})
	wantSchema(t, src, services, "mydaemon", "the server answers sample.v1.Echo/Echo", "sample.v1.Workloads")
}

func TestUserProtosetSchemaForced(t *testing.T) {
	schemas := userSchemaDir(t)
	b, err := os.ReadFile(tableProtoset(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(schemas, "fromset.protoset"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	path := serveSample(t, "unnamed.sock", sample.ReflectionNone, nil)
	src, services := openSchemaSource(t, path, Options{Schema: "fromset"})
	wantSchema(t, src, services, "fromset", "--schema fromset", "sample.v1.Echo")
}

func TestUserSchemaOverridesBuiltIn(t *testing.T) {
	schemas := userSchemaDir(t)
	addUserSchema(t, schemas, "containerd", "socket containerd.sock\n")
	path := serveSample(t, "containerd.sock", sample.ReflectionNone, nil)
	src, services := openSchemaSource(t, path, Options{})
	wantSchema(t, src, services, "containerd", "name", "sample.v1.Echo")
	all, _ := Schemas()
	count := 0
	for _, s := range all {
		if s.Name == "containerd" {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d schemas named containerd, want the user's alone", count)
	}
}

func TestBadUserSchemaConf(t *testing.T) {
	schemas := userSchemaDir(t)
	addUserSchema(t, schemas, "broken", "socket x.sock\nprobe NotAMethod\n")
	addUserSchema(t, schemas, "typo", "sockets x.sock\n")
	all, errs := Schemas()
	msgs := errors.Join(errs...).Error()
	for _, want := range []string{"schema.conf:2: probe \"NotAMethod\" is not pkg.Service/Method", "schema.conf:1: unknown key \"sockets\""} {
		if !strings.Contains(msgs, want) {
			t.Errorf("errors %q lack %q", msgs, want)
		}
	}
	for _, s := range all {
		if s.Name == "broken" || s.Name == "typo" {
			t.Errorf("schema %s with a bad schema.conf was kept", s.Name)
		}
	}
	if len(all) < len(daemonSchemas)+1 {
		t.Errorf("bad user schemas hid the built-in ones: %d schemas", len(all))
	}
}

func TestUserSchemaThatDoesNotCompile(t *testing.T) {
	schemas := userSchemaDir(t)
	dir := filepath.Join(schemas, "bad")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.proto"), []byte("syntax = \"proto3\";\nmessage M { int32 x = 1 }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), nil, Options{Schema: "bad"})
	if err == nil || !strings.Contains(err.Error(), "bad.proto:2:") {
		t.Errorf("a schema that does not compile: %v, want the file and line", err)
	}
}
