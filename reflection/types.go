package reflection

import (
	"context"

	"github.com/jhump/protoreflect/v2/protoresolve"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// TypeResolver returns what protojson needs for Any fields and error
// details: the schema files' types, then google.rpc and well-known types,
// then the server's through reflection. protojson gives it no ctx, so a
// look-up that reaches the server waits for its turn and its answer until
// Close at the latest.
func (s *Source) TypeResolver() interface {
	protoregistry.MessageTypeResolver
	protoregistry.ExtensionTypeResolver
} {
	return typeResolver{s}
}

type typeResolver struct{ s *Source }

func (r typeResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	return resolveType(r.s, func(res protoresolve.TypeResolver) (protoreflect.MessageType, error) {
		return res.FindMessageByName(name)
	}, func() (protoreflect.MessageType, error) { return protoregistry.GlobalTypes.FindMessageByName(name) })
}

func (r typeResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	return resolveType(r.s, func(res protoresolve.TypeResolver) (protoreflect.MessageType, error) {
		return res.FindMessageByURL(url)
	}, func() (protoreflect.MessageType, error) { return protoregistry.GlobalTypes.FindMessageByURL(url) })
}

func (r typeResolver) FindExtensionByName(name protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return resolveType(r.s, func(res protoresolve.TypeResolver) (protoreflect.ExtensionType, error) {
		return res.FindExtensionByName(name)
	}, func() (protoreflect.ExtensionType, error) { return protoregistry.GlobalTypes.FindExtensionByName(name) })
}

func (r typeResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return resolveType(r.s, func(res protoresolve.TypeResolver) (protoreflect.ExtensionType, error) {
		return res.FindExtensionByNumber(message, field)
	}, func() (protoreflect.ExtensionType, error) {
		return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
	})
}

// resolveType asks each of s's type sources in turn with find, and
// protobuf-go's registry (global) last. Reflection is asked only once a
// look-up has learnt the server's API: detecting it here, with no ctx to
// bound the probing, could hang a reply's decoding.
func resolveType[T any](s *Source, find func(protoresolve.TypeResolver) (T, error), global func() (T, error)) (T, error) {
	if files := s.registry(); files != nil {
		if t, err := find(files.AsTypeResolver()); err == nil {
			return t, nil
		}
	}
	if t, err := find(builtinTypes{}); err == nil {
		return t, nil
	}
	if client := s.detectedClient(); client != nil {
		var t T
		err := s.gate.run(context.Background(), func() error {
			var err error
			t, err = find(client.AsResolver().AsTypeResolver())
			return err
		})
		if err == nil {
			return t, nil
		}
	}
	return global()
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
