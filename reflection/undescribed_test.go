package reflection

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sockscope/sockets/socketstest"
)

// depProtos are the files the incomplete reflection's dep.v1.Users comes
// from, the one it does not serve included, as a user would give them.
func depProtos(t *testing.T) Options {
	dir := tableTempDir(t)
	files := map[string]string{
		socketstest.MissingImportFile: "syntax = \"proto3\";\npackage dep.v1;\nimport \"dep/missing.proto\";\n" +
			"message GetUserRequest { string id = 1; }\nservice Users { rpc GetUser(GetUserRequest) returns (User); }\n",
		socketstest.MissingFile: "syntax = \"proto3\";\npackage dep.v1;\nmessage User { string name = 1; }\n",
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return Options{ProtoFiles: []string{socketstest.MissingImportFile}, ImportPaths: []string{dir}}
}

// TestListedButUndescribed lists a server whose reflection lists services
// it does not describe, as gRPC C++'s default health service is, with
// reflection alone and with the missing schema given as files.
func TestListedButUndescribed(t *testing.T) {
	cases := []struct {
		name    string
		opts    func(*testing.T) Options
		leftOut map[string]string // service -> what its error says
	}{
		{"reflection alone", func(*testing.T) Options { return Options{} }, map[string]string{
			socketstest.MissingImportService: "its file dep/users.proto imports dep/missing.proto, which reflection does not serve",
			socketstest.UnknownService:       "file_containing_symbol answers NOT_FOUND",
		}},
		{"reflection and the missing files", depProtos, map[string]string{
			socketstest.UnknownService: "file_containing_symbol answers NOT_FOUND",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(tableTempDir(t), "i.sock")
			socketstest.ServeIncompleteReflection(t, path)
			ctx, src := openSource(t, dialSocket(t, path), c.opts(t))
			services, err := src.Services(ctx)
			if err != nil {
				t.Fatalf("one undescribed service broke the listing: %v", err)
			}
			var names []string
			for _, sd := range services {
				names = append(names, string(sd.FullName()))
			}
			for _, want := range []string{"sample.v1.Echo", "sample.v1.Workloads", socketstest.UndescribedHealth} {
				if !slices.Contains(names, want) {
					t.Errorf("services %v lack %s", names, want)
				}
			}
			if got := src.BuiltInFallbacks(); !slices.Equal(got, []string{socketstest.UndescribedHealth}) {
				t.Errorf("built-in fallbacks %v, want the health service", got)
			}
			left := src.LeftOut()
			if len(left) != len(c.leftOut) {
				t.Errorf("left out %v, want %d", left, len(c.leftOut))
			}
			for _, err := range left {
				var se *ServiceError
				if !errors.As(err, &se) {
					t.Fatalf("left out %v, not a *ServiceError", err)
				}
				want, ok := c.leftOut[string(se.Service)]
				if !ok || !errors.Is(err, ErrUndescribed) || !strings.Contains(err.Error(), want) {
					t.Errorf("left out %v, want ErrUndescribed saying %q", err, want)
				}
			}
			if _, err := src.FindMethod(ctx, "grpc.health.v1.Health/Check"); err != nil {
				t.Errorf("the health service did not fall back to its built-in definition: %v", err)
			}
			_, err = src.FindSymbol(ctx, socketstest.UnknownService)
			if !errors.Is(err, ErrUndescribed) || errors.Is(err, ErrNotFound) {
				t.Errorf("describing a listed, undescribed service: %v, want ErrUndescribed and not ErrNotFound", err)
			}
		})
	}
}
