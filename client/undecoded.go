package client

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// protojson fails a whole message when one google.protobuf.Any in it holds a
// type the resolver does not know, which would lose a reply over one field.
// withUndecodedAnys makes such an Any print as {"@type": URL, "value":
// BASE64}, the form StatusJSON gives undecodable details: its value is
// re-encoded as a google.protobuf.BytesValue holding the original bytes, and
// the returned resolver answers BytesValue for exactly those type URLs, so
// protojson prints that wrapper's base64 as the value.

const anyName protoreflect.FullName = "google.protobuf.Any"

// withUndecodedAnys returns a copy of m whose undecodable Anys are prepared
// as above, and the resolver to print it with. ok is false when m holds no
// such Any. m itself is not changed.
func withUndecodedAnys(m proto.Message, resolver TypeResolver) (proto.Message, TypeResolver, bool) {
	if resolver == nil {
		resolver = protoregistry.GlobalTypes
	}
	w := &anyWalker{resolver: resolver, undecoded: map[string]bool{}, holdsAny: map[protoreflect.FullName]bool{}}
	// First find every URL that fails, then rewrite every Any with one: the
	// resolver answers per URL, so no Any with that URL may keep its
	// original encoding.
	w.walk(m.ProtoReflect(), false)
	if len(w.undecoded) == 0 {
		return nil, nil, false
	}
	c := proto.Clone(m)
	w.walk(c.ProtoReflect(), true)
	return c, undecodedResolver{TypeResolver: resolver, urls: w.undecoded}, true
}

type anyWalker struct {
	resolver  TypeResolver
	undecoded map[string]bool
	holdsAny  map[protoreflect.FullName]bool
}

// walk visits every Any in m; with rewrite it re-encodes the undecodable
// ones in place and reports whether it changed m.
func (w *anyWalker) walk(m protoreflect.Message, rewrite bool) bool {
	if m.Descriptor().FullName() == anyName {
		return w.visitAny(m, rewrite)
	}
	changed := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if vd := fd.MapValue(); vd.Message() != nil && w.mayHoldAny(vd.Message()) {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					changed = w.walk(mv.Message(), rewrite) || changed
					return true
				})
			}
		case fd.Message() != nil && w.mayHoldAny(fd.Message()):
			if fd.IsList() {
				list := v.List()
				for i := 0; i < list.Len(); i++ {
					changed = w.walk(list.Get(i).Message(), rewrite) || changed
				}
			} else {
				changed = w.walk(v.Message(), rewrite) || changed
			}
		}
		return true
	})
	return changed
}

func (w *anyWalker) visitAny(m protoreflect.Message, rewrite bool) bool {
	fields := m.Descriptor().Fields()
	urlField, valueField := fields.ByNumber(1), fields.ByNumber(2)
	if urlField == nil || valueField == nil || !m.Has(urlField) {
		return false
	}
	url, value := m.Get(urlField).String(), m.Get(valueField).Bytes()
	if !w.undecoded[url] {
		inner, ok := w.decode(url, value)
		if ok {
			// A known Any may itself hold unknown ones.
			if !w.walk(inner, rewrite) || !rewrite {
				return false
			}
			raw, err := proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(inner.Interface())
			if err != nil {
				return false
			}
			m.Set(valueField, protoreflect.ValueOfBytes(raw))
			return true
		}
		w.undecoded[url] = true
	}
	if !rewrite {
		return false
	}
	raw, err := proto.Marshal(wrapperspb.Bytes(value))
	if err != nil {
		return false
	}
	m.Set(valueField, protoreflect.ValueOfBytes(raw))
	return true
}

func (w *anyWalker) decode(url string, value []byte) (protoreflect.Message, bool) {
	mt, err := w.resolver.FindMessageByURL(url)
	if err != nil {
		return nil, false
	}
	inner := mt.New()
	if err := (proto.UnmarshalOptions{AllowPartial: true, Resolver: w.resolver}).Unmarshal(value, inner.Interface()); err != nil {
		return nil, false
	}
	return inner, true
}

// mayHoldAny tells whether a message of type md can contain an Any, so the
// walk skips the branches that cannot.
func (w *anyWalker) mayHoldAny(md protoreflect.MessageDescriptor) bool {
	if holds, ok := w.holdsAny[md.FullName()]; ok {
		return holds
	}
	// Only answers for whole searches are kept: one cut short by a cycle
	// (a message that contains itself) says nothing final.
	seen := map[protoreflect.FullName]bool{}
	var reaches func(md protoreflect.MessageDescriptor) bool
	reaches = func(md protoreflect.MessageDescriptor) bool {
		// Extensions are not in the descriptor; a message that declares
		// extension ranges may hold an Any through one.
		if md.FullName() == anyName || md.ExtensionRanges().Len() > 0 {
			return true
		}
		if holds, ok := w.holdsAny[md.FullName()]; ok {
			return holds
		}
		if seen[md.FullName()] {
			return false
		}
		seen[md.FullName()] = true
		fields := md.Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if fd.IsMap() {
				fd = fd.MapValue()
			}
			if fd.Message() != nil && reaches(fd.Message()) {
				return true
			}
		}
		return false
	}
	holds := reaches(md)
	w.holdsAny[md.FullName()] = holds
	return holds
}

type undecodedResolver struct {
	TypeResolver
	urls map[string]bool
}

func (r undecodedResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	if r.urls[url] {
		return (&wrapperspb.BytesValue{}).ProtoReflect().Type(), nil
	}
	return r.TypeResolver.FindMessageByURL(url)
}
