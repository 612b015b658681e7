package reflection

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/jhump/protoreflect/v2/protoresolve"
	"google.golang.org/protobuf/reflect/protoreflect"
)

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
