package reflection

import (
	"github.com/jhump/protoreflect/v2/protoresolve"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// TypeResolver returns what protojson needs for Any fields and error
// details: the schema files' types, then google.rpc and well-known types,
// then the server's through reflection.
func (s *Source) TypeResolver() interface {
	protoregistry.MessageTypeResolver
	protoregistry.ExtensionTypeResolver
} {
	return typeResolver{s}
}

type typeResolver struct{ s *Source }

func (r typeResolver) resolvers() []protoresolve.TypeResolver {
	var out []protoresolve.TypeResolver
	if files := r.s.registry(); files != nil {
		out = append(out, files.AsTypeResolver())
	}
	out = append(out, builtinTypes{})
	if client := r.s.detectedClient(); client != nil {
		out = append(out, client.AsResolver().AsTypeResolver())
	}
	return out
}

func (r typeResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	for _, res := range r.resolvers() {
		if mt, err := res.FindMessageByName(name); err == nil {
			return mt, nil
		}
	}
	return protoregistry.GlobalTypes.FindMessageByName(name)
}

func (r typeResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	for _, res := range r.resolvers() {
		if mt, err := res.FindMessageByURL(url); err == nil {
			return mt, nil
		}
	}
	return protoregistry.GlobalTypes.FindMessageByURL(url)
}

func (r typeResolver) FindExtensionByName(name protoreflect.FullName) (protoreflect.ExtensionType, error) {
	for _, res := range r.resolvers() {
		if xt, err := res.FindExtensionByName(name); err == nil {
			return xt, nil
		}
	}
	return protoregistry.GlobalTypes.FindExtensionByName(name)
}

func (r typeResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	for _, res := range r.resolvers() {
		if xt, err := res.FindExtensionByNumber(message, field); err == nil {
			return xt, nil
		}
	}
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}

// builtinTypes resolves well-known and google.rpc types, and nothing else,
// from protobuf-go's registry. They come before reflection: asking the
// server for them costs a round trip for the details of every failed call,
// and these types are the same everywhere.
type builtinTypes struct{}

func (builtinTypes) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	return builtinMessage(protoregistry.GlobalTypes.FindMessageByName(name))
}

func (builtinTypes) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	return builtinMessage(protoregistry.GlobalTypes.FindMessageByURL(url))
}

func builtinMessage(mt protoreflect.MessageType, err error) (protoreflect.MessageType, error) {
	if err != nil || !isBuiltin(mt.Descriptor()) {
		return nil, protoregistry.NotFound
	}
	return mt, nil
}

func (builtinTypes) FindEnumByName(name protoreflect.FullName) (protoreflect.EnumType, error) {
	et, err := protoregistry.GlobalTypes.FindEnumByName(name)
	if err != nil || !isBuiltin(et.Descriptor()) {
		return nil, protoregistry.NotFound
	}
	return et, nil
}

// The well-known and google.rpc files define no extensions.

func (builtinTypes) FindExtensionByName(protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return nil, protoregistry.NotFound
}

func (builtinTypes) FindExtensionByNumber(protoreflect.FullName, protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return nil, protoregistry.NotFound
}
