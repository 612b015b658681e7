package sample

import (
	"context"
	"embed"
	"io"
	"io/fs"
	"sync"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// ProtoFS holds the sample's .proto sources under "proto/"; use ProtoRoot as
// the import path, so "sample/v1/echo.proto" is a file in fs.Sub(ProtoFS, ProtoRoot).
//
//go:embed proto
var ProtoFS embed.FS

// ProtoRoot is the directory of ProtoFS that serves as the import path.
const ProtoRoot = "proto"

// ProtoFiles lists the sample's .proto files relative to ProtoRoot.
var ProtoFiles = []string{"sample/v1/echo.proto", "sample/v1/workloads.proto"}

// ProtoTree is the .proto tree rooted at the import path, for copying it
// out (os.CopyFS) where a tool wants files on disk.
func ProtoTree() fs.FS {
	root, err := fs.Sub(ProtoFS, ProtoRoot)
	if err != nil {
		panic(err) // ProtoRoot is a constant, valid path
	}
	return root
}

// compiledFiles compiles the embedded sources once, keeping source info so
// reflection can hand out the comments; protoc-gen-go strips them from the
// descriptors it embeds in generated code.
var compiledFiles = sync.OnceValues(func() (*protoregistry.Files, error) {
	root := ProtoTree()
	compiler := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: func(path string) (io.ReadCloser, error) { return root.Open(path) },
		}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	files, err := compiler.Compile(context.Background(), ProtoFiles...)
	if err != nil {
		return nil, err
	}
	reg := &protoregistry.Files{}
	for _, f := range files {
		if err := reg.RegisterFile(f); err != nil {
			return nil, err
		}
	}
	return reg, nil
})

// layeredResolver answers from the commented sample files first and from the
// generated registry (health, reflection, well-known types) for the rest.
type layeredResolver struct{ first, rest *protoregistry.Files }

func (r layeredResolver) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if r.first != nil {
		if fd, err := r.first.FindFileByPath(path); err == nil {
			return fd, nil
		}
	}
	return r.rest.FindFileByPath(path)
}

func (r layeredResolver) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if r.first != nil {
		if d, err := r.first.FindDescriptorByName(name); err == nil {
			return d, nil
		}
	}
	return r.rest.FindDescriptorByName(name)
}

// descriptorResolver falls back to the generated descriptors alone if the
// embedded sources fail to compile, which the tests rule out.
func descriptorResolver() layeredResolver {
	files, err := compiledFiles()
	if err != nil {
		files = nil
	}
	return layeredResolver{first: files, rest: protoregistry.GlobalFiles}
}
