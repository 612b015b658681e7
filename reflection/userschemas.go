package reflection

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// schemaConfName is the optional file in a user schema directory that ties
// the schema to sockets and names its probe method.
const schemaConfName = "schema.conf"

// UserSchemaDir is where users add their own schemas:
// $XDG_CONFIG_HOME/sockscope/schemas (the platform's config directory
// elsewhere), or "" when there is no home to find it in.
func UserSchemaDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "sockscope", "schemas")
}

// userSchemas reads a schema directory. Each entry is one schema:
//
//   - NAME/: a tree of .proto files (the directory is their import root)
//     and/or *.protoset files, with an optional schema.conf;
//   - NAME.protoset: a FileDescriptorSet, chosen only with --schema NAME.
//
// Files are compiled on first use, so a broken schema costs nothing until
// it is chosen. A missing directory is not an error; an unreadable entry or
// a bad schema.conf is reported and the entry skipped.
func userSchemas(dir string) ([]Schema, []error) {
	if dir == "" {
		return nil, nil
	}
	// A scan asks once per gRPC socket without reflection: reading the
	// directory again is cheap, compiling its files again is not, so the
	// result is kept while the directory is unchanged.
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err == nil {
		userSchemaCache.Lock()
		defer userSchemaCache.Unlock()
		c := userSchemaCache.entries[dir]
		if c != nil && c.modTime.Equal(info.ModTime()) {
			return c.schemas, c.errs
		}
		schemas, errs := readUserSchemas(dir)
		if userSchemaCache.entries == nil {
			userSchemaCache.entries = map[string]*cachedSchemas{}
		}
		userSchemaCache.entries[dir] = &cachedSchemas{modTime: info.ModTime(), schemas: schemas, errs: errs}
		return schemas, errs
	}
	return readUserSchemas(dir)
}

type cachedSchemas struct {
	modTime time.Time
	schemas []Schema
	errs    []error
}

var userSchemaCache struct {
	sync.Mutex
	entries map[string]*cachedSchemas
}

func readUserSchemas(dir string) ([]Schema, []error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("schema directory: %w", err)}
	}
	var schemas []Schema
	var errs []error
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			s, err := dirSchema(e.Name(), path)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			schemas = append(schemas, s)
		case strings.HasSuffix(e.Name(), ".protoset"):
			schemas = append(schemas, Schema{
				Name:        strings.TrimSuffix(e.Name(), ".protoset"),
				Description: "your protoset",
				Origin:      path,
				files:       sync.OnceValues(func() ([]protoreflect.FileDescriptor, error) { return readProtoset(path) }),
			})
		}
	}
	return schemas, errs
}

// dirSchema reads one NAME/ schema directory's configuration; its files
// are found and compiled when first needed.
func dirSchema(name, dir string) (Schema, error) {
	s := Schema{Name: name, Description: "your schema", Origin: dir}
	if err := readSchemaConf(filepath.Join(dir, schemaConfName), &s); err != nil {
		return Schema{}, err
	}
	s.files = sync.OnceValues(func() ([]protoreflect.FileDescriptor, error) { return loadSchemaDir(dir) })
	return s, nil
}

// readSchemaConf reads lines of "key value": socket PATTERN (repeatable; a
// base name, a directory ending in "/", or a glob), probe
// pkg.Service/Method (a cheap read-only method that recognises the API)
// and description TEXT. Blank lines and lines starting with # are skipped.
func readSchemaConf(path string, s *Schema) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("schema %s: %w", s.Name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, _ := strings.Cut(text, " ")
		value = strings.TrimSpace(value)
		if value == "" {
			return fmt.Errorf("%s:%d: %q needs a value", path, line, key)
		}
		switch key {
		case "socket":
			if _, err := filepath.Match(value, ""); err != nil {
				return fmt.Errorf("%s:%d: socket pattern %q: %w", path, line, value, err)
			}
			s.socketPatterns = append(s.socketPatterns, value)
		case "probe":
			method := strings.TrimPrefix(value, "/")
			if svc, m, ok := strings.Cut(method, "/"); !ok || svc == "" || m == "" || strings.Contains(m, "/") {
				return fmt.Errorf("%s:%d: probe %q is not pkg.Service/Method", path, line, value)
			}
			s.probe = "/" + method
		case "description":
			s.Description = value
		default:
			return fmt.Errorf("%s:%d: unknown key %q (want socket, probe or description)", path, line, key)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// loadSchemaDir compiles every .proto file under dir, with dir as the
// import root, and reads every .protoset in it.
func loadSchemaDir(dir string) ([]protoreflect.FileDescriptor, error) {
	var protos, protosets []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".proto":
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			protos = append(protos, filepath.ToSlash(rel))
		case ".protoset":
			protosets = append(protosets, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	if len(protos) == 0 && len(protosets) == 0 {
		return nil, fmt.Errorf("%s holds no .proto or .protoset files", dir)
	}
	sort.Strings(protos)
	var out []protoreflect.FileDescriptor
	for _, p := range protosets {
		files, err := readProtoset(p)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	if len(protos) > 0 {
		files, err := compileProtos(context.Background(), []string{dir}, protos)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}
