package repair

import (
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/apipb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/sourcecontextpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/typepb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// wellKnownFiles are protobuf-go's own well-known files, by path. A served
// file under one of these names is replaced by protobuf-go's, and their
// types are never taken from the server: some stacks serve them with other
// field names.
var wellKnownFiles = map[string]protoreflect.FileDescriptor{}

// canonicalFiles builds each well-known file's descriptor proto and bytes
// the first time it is needed: most calls need a few of them, and building
// them all up front (descriptor.proto above all) would be work that every
// short-lived call pays for and few use.
var canonicalFiles = map[string]func() canonicalFile{}

func init() {
	for _, fd := range []protoreflect.FileDescriptor{
		anypb.File_google_protobuf_any_proto, apipb.File_google_protobuf_api_proto,
		descriptorpb.File_google_protobuf_descriptor_proto, durationpb.File_google_protobuf_duration_proto,
		emptypb.File_google_protobuf_empty_proto, fieldmaskpb.File_google_protobuf_field_mask_proto,
		sourcecontextpb.File_google_protobuf_source_context_proto, structpb.File_google_protobuf_struct_proto,
		timestamppb.File_google_protobuf_timestamp_proto, typepb.File_google_protobuf_type_proto,
		wrapperspb.File_google_protobuf_wrappers_proto,
	} {
		wellKnownFiles[fd.Path()] = fd
		canonicalFiles[fd.Path()] = sync.OnceValue(func() canonicalFile {
			fdp := protodesc.ToFileDescriptorProto(fd)
			raw, err := proto.Marshal(fdp)
			if err != nil {
				panic(fmt.Sprintf("marshal %s: %v", fd.Path(), err)) // a generated descriptor always marshals
			}
			return canonicalFile{fd: fdp, raw: raw}
		})
	}
}

type canonicalFile struct {
	fd  *descriptorpb.FileDescriptorProto
	raw []byte
}

// canonical is protobuf-go's own copy of the well-known file at path.
func canonical(path string) (canonicalFile, bool) {
	build, ok := canonicalFiles[path]
	if !ok {
		return canonicalFile{}, false
	}
	return build(), true
}

func isWellKnownFile(path string) bool {
	_, ok := wellKnownFiles[path]
	return ok
}

// canonicalDef finds a name the well-known files define, asking
// protobuf-go's registry rather than indexing every file.
func canonicalDef(n protoreflect.FullName) (definition, bool) {
	if !strings.HasPrefix(string(n), "google.protobuf.") {
		return definition{}, false
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(n)
	if err != nil || !isWellKnownFile(d.ParentFile().Path()) {
		return definition{}, false
	}
	kind := defOther
	switch d.(type) {
	case protoreflect.MessageDescriptor:
		kind = defMessage
	case protoreflect.EnumDescriptor:
		kind = defEnum
	case protoreflect.ServiceDescriptor:
		kind = defService
	}
	return definition{file: d.ParentFile().Path(), kind: kind}, true
}

// canonicalAnswer is the answer to req from the well-known files, or nil.
func canonicalAnswer(req reflectionRequest) [][]byte {
	switch req.kind {
	case askFile:
		if cf, ok := canonical(req.name); ok {
			return [][]byte{cf.raw}
		}
	case askSymbol:
		if d, ok := canonicalDef(protoreflect.FullName(req.name)); ok {
			cf, _ := canonical(d.file)
			return [][]byte{cf.raw}
		}
	}
	return nil
}
