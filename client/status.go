package client

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"google.golang.org/genproto/googleapis/rpc/code"
	// Registers the google.rpc detail types (BadRequest, ErrorInfo, ...) in
	// protoregistry.GlobalTypes so details decode without any schema source.
	_ "google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
)

// TypeResolver finds message and extension types by name or type URL; it is
// what protojson needs to handle google.protobuf.Any.
type TypeResolver interface {
	protoregistry.MessageTypeResolver
	protoregistry.ExtensionTypeResolver
}

// WithGlobalFallback returns a resolver that tries r first and then
// protoregistry.GlobalTypes (well-known and google.rpc types). A nil r gives
// protoregistry.GlobalTypes alone.
func WithGlobalFallback(r TypeResolver) TypeResolver {
	if r == nil || r == protoregistry.GlobalTypes {
		return protoregistry.GlobalTypes
	}
	return fallbackResolver{primary: r}
}

type fallbackResolver struct{ primary TypeResolver }

func (f fallbackResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	if mt, err := f.primary.FindMessageByName(name); err == nil {
		return mt, nil
	}
	return protoregistry.GlobalTypes.FindMessageByName(name)
}

func (f fallbackResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	if mt, err := f.primary.FindMessageByURL(url); err == nil {
		return mt, nil
	}
	return protoregistry.GlobalTypes.FindMessageByURL(url)
}

func (f fallbackResolver) FindExtensionByName(name protoreflect.FullName) (protoreflect.ExtensionType, error) {
	if xt, err := f.primary.FindExtensionByName(name); err == nil {
		return xt, nil
	}
	return protoregistry.GlobalTypes.FindExtensionByName(name)
}

func (f fallbackResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	if xt, err := f.primary.FindExtensionByNumber(message, field); err == nil {
		return xt, nil
	}
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}

type statusDocument struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details,omitempty"`
}

type undecodedDetail struct {
	Type  string `json:"@type"`
	Value string `json:"value"`
}

// StatusJSON renders a status as JSON, {"code": "NOT_FOUND", "message":
// ..., "details": [...]}, indented with two spaces and without a trailing
// newline; a nil status renders as OK. Each detail is decoded through
// resolver, then protoregistry.GlobalTypes, where this package registers the
// google.rpc types; a detail of a type neither knows prints as its type URL
// and base64 value instead of failing.
func StatusJSON(st *status.Status, resolver TypeResolver) ([]byte, error) {
	proto := st.Proto() // nil-safe: a nil status is OK
	doc := statusDocument{
		Code:    codeName(proto.GetCode()),
		Message: proto.GetMessage(),
	}
	marshal := protojson.MarshalOptions{Resolver: WithGlobalFallback(resolver)}
	for _, detail := range proto.GetDetails() {
		doc.Details = append(doc.Details, detailJSON(marshal, detail))
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetIndent("", "  ")
	// Messages are for people and terminals, not HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("status as JSON: %w", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

func detailJSON(marshal protojson.MarshalOptions, detail *anypb.Any) json.RawMessage {
	out, err := marshal.Marshal(detail)
	if err == nil {
		return out
	}
	fallback, _ := json.Marshal(undecodedDetail{
		Type:  detail.GetTypeUrl(),
		Value: base64.StdEncoding.EncodeToString(detail.GetValue()),
	})
	return fallback
}

// codeName gives the canonical upper-case name (NOT_FOUND) rather than grpc-go's
// CamelCase, matching the JSON form of google.rpc.Code; unknown codes stay
// numeric.
func codeName(c int32) string {
	if name, ok := code.Code_name[c]; ok {
		return name
	}
	return strconv.Itoa(int(c))
}
