package client

import (
	"encoding/json"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
)

type renderedStatus struct {
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Details []map[string]any `json:"details"`
}

func renderStatus(t *testing.T, st *status.Status, resolver TypeResolver) renderedStatus {
	t.Helper()
	out, err := StatusJSON(st, resolver)
	if err != nil {
		t.Fatal(err)
	}
	var got renderedStatus
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("StatusJSON output is not JSON: %v\n%s", err, out)
	}
	return got
}

func TestStatusJSONDetails(t *testing.T) {
	// A message type only the caller's resolver knows, as with reflection.
	reqType := dynamicpb.NewMessageType(testRequestDescriptor(t))
	callerTypes := new(protoregistry.Types)
	if err := callerTypes.RegisterMessage(reqType); err != nil {
		t.Fatal(err)
	}
	req := reqType.New()
	req.Set(reqType.Descriptor().Fields().ByName("message"), protoreflect.ValueOfString("from the caller"))
	reqAny, err := anypb.New(req.Interface())
	if err != nil {
		t.Fatal(err)
	}
	st, err := status.New(codes.InvalidArgument, "bad things").WithDetails(
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "count", Description: "too big"}}},
		&errdetails.ErrorInfo{Reason: "LIMIT", Domain: "sample"},
	)
	if err != nil {
		t.Fatal(err)
	}
	withAll := st.Proto()
	withAll.Details = append(withAll.Details, reqAny,
		&anypb.Any{TypeUrl: "type.googleapis.com/nowhere.Unknown", Value: []byte{1, 2, 3}})
	st = status.FromProto(withAll)

	got := renderStatus(t, st, callerTypes)
	if got.Code != "INVALID_ARGUMENT" || got.Message != "bad things" {
		t.Fatalf("code %q message %q", got.Code, got.Message)
	}
	if len(got.Details) != 4 {
		t.Fatalf("%d details, want 4: %v", len(got.Details), got.Details)
	}
	if got.Details[0]["@type"] != "type.googleapis.com/google.rpc.BadRequest" {
		t.Errorf("detail 0 type %v", got.Details[0]["@type"])
	}
	violations, _ := got.Details[0]["fieldViolations"].([]any)
	if len(violations) != 1 || violations[0].(map[string]any)["field"] != "count" {
		t.Errorf("BadRequest not decoded: %v", got.Details[0])
	}
	if got.Details[1]["reason"] != "LIMIT" {
		t.Errorf("ErrorInfo not decoded: %v", got.Details[1])
	}
	if got.Details[2]["message"] != "from the caller" {
		t.Errorf("caller's type not decoded: %v", got.Details[2])
	}
	unknown := got.Details[3]
	if unknown["@type"] != "type.googleapis.com/nowhere.Unknown" || unknown["value"] != "AQID" {
		t.Errorf("unknown detail rendered as %v, want its type URL and base64 value", unknown)
	}
}

func TestStatusJSONOKAndUnknownCode(t *testing.T) {
	if got := renderStatus(t, nil, nil); got.Code != "OK" || got.Details != nil {
		t.Errorf("nil status rendered as %+v", got)
	}
	if got := renderStatus(t, status.New(codes.NotFound, "gone"), nil); got.Code != "NOT_FOUND" || got.Message != "gone" {
		t.Errorf("rendered as %+v", got)
	}
	if got := renderStatus(t, status.New(codes.Code(42), "odd"), nil); got.Code != "42" {
		t.Errorf("code 42 rendered as %q", got.Code)
	}
}

func TestWithGlobalFallback(t *testing.T) {
	reqType := dynamicpb.NewMessageType(testRequestDescriptor(t))
	callerTypes := new(protoregistry.Types)
	if err := callerTypes.RegisterMessage(reqType); err != nil {
		t.Fatal(err)
	}
	resolver := WithGlobalFallback(callerTypes)
	if mt, err := resolver.FindMessageByName("clienttest.Req"); err != nil || mt.Descriptor() != reqType.Descriptor() {
		t.Errorf("caller type: %v, %v", mt, err)
	}
	if _, err := resolver.FindMessageByURL("type.googleapis.com/google.rpc.ErrorInfo"); err != nil {
		t.Errorf("global type: %v", err)
	}
	if _, err := resolver.FindMessageByName("nowhere.Unknown"); err == nil {
		t.Error("unknown type resolved")
	}
	if WithGlobalFallback(nil) != protoregistry.GlobalTypes {
		t.Error("nil resolver should mean the global registry")
	}
}

func TestStatusJSONKeepsMessageReadable(t *testing.T) {
	out, err := StatusJSON(status.New(codes.FailedPrecondition, "need <a> & <b>"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"code\": \"FAILED_PRECONDITION\",\n  \"message\": \"need <a> & <b>\"\n}"
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}
