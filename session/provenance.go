package session

import (
	"fmt"
	"strings"

	"sockscope/reflection"
)

// Provenance says where a session's schema comes from. It is known once the
// first look-up has run.
type Provenance struct {
	// Reflection is the reflection API the server answered ("v1",
	// "v1alpha", "none"), "" before the first look-up or without a connection.
	Reflection string
	// Schema names the built-in or user schema in use, Why says how it was
	// chosen ("the socket's name …", "--schema containerd") and Origin is
	// reflection.OriginBuiltIn or the user schema's file or directory.
	Schema, Why, Origin string
	// BuiltIn names the services that reflection lists without describing
	// and whose built-in definition stands in (grpc.health.v1.Health on
	// gRPC C++), in the order they were met.
	BuiltIn []string
}

// Provenance reports where the schema comes from, as far as known now.
func (s *Session) Provenance() Provenance {
	p := Provenance{Reflection: s.source.Reflection(), BuiltIn: s.source.BuiltInFallbacks()}
	p.Schema, p.Why = s.source.Schema()
	p.Origin = s.source.SchemaOrigin()
	return p
}

// String is the long form, for -v and hints: "server reflection v1",
// "built-in containerd (the socket's name …)", "mine from DIR (why)", each
// followed by the services described by their built-in definition; ""
// when the schema comes from files given on the command line.
func (p Provenance) String() string {
	s := p.source()
	if len(p.BuiltIn) > 0 {
		if s != "" {
			s += "; "
		}
		s += p.BuiltInNote()
	}
	return s
}

// BuiltInNote says which services are described by their built-in
// definition, for a listing's notes: "grpc.health.v1.Health from the
// built-in definition (the server's reflection does not describe it)"; ""
// when none is.
func (p Provenance) BuiltInNote() string {
	switch len(p.BuiltIn) {
	case 0:
		return ""
	case 1:
		return p.BuiltIn[0] + " from the built-in definition (the server's reflection does not describe it)"
	}
	return strings.Join(p.BuiltIn, ", ") + " from their built-in definitions (the server's reflection does not describe them)"
}

func (p Provenance) source() string {
	switch {
	case p.Schema != "" && p.Origin != reflection.OriginBuiltIn:
		return fmt.Sprintf("%s from %s (%s)", p.Schema, p.Origin, p.Why)
	case p.Schema != "":
		return fmt.Sprintf("built-in %s (%s)", p.Schema, p.Why)
	case p.Reflection != "" && p.Reflection != reflection.ReflectionNone:
		return "server reflection " + p.Reflection
	}
	return ""
}

// Short is the form for a title: "schema containerd", "reflection v1", or "".
func (p Provenance) Short() string {
	switch {
	case p.Schema != "":
		return "schema " + p.Schema
	case p.Reflection != "" && p.Reflection != reflection.ReflectionNone:
		return "reflection " + p.Reflection
	}
	return ""
}

// SchemaHint is the sentence that tells a user a server without reflection
// is being read through a chosen schema; "" when none was chosen.
func (p Provenance) SchemaHint() string {
	if p.Schema == "" {
		return ""
	}
	why := p.Why
	if p.Origin != "" && p.Origin != reflection.OriginBuiltIn {
		why += "; from " + p.Origin
	}
	return fmt.Sprintf("the server has no reflection; using the %s schema because %s", p.Schema, why)
}
