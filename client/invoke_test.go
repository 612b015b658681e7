package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
)

// startSample serves the sample server on a fresh unix socket and dials it.
func startSample(t testing.TB, opts DialOptions) *grpc.ClientConn {
	t.Helper()
	path := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	target, err := ParseAddress(path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := Dial(testContext(t), target, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func sampleMethod(t testing.TB, name string) protoreflect.MethodDescriptor {
	t.Helper()
	md := samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName(protoreflect.Name(name))
	if md == nil {
		t.Fatalf("sample has no method %s", name)
	}
	return md
}

func jsonRequests(md protoreflect.MethodDescriptor, input string) func() (proto.Message, error) {
	return NewReader(InputJSON, strings.NewReader(input), md.Input(), nil, ReaderOptions{}).Next
}

// collect returns a handler that keeps every reply as protojson-free field
// access text: the value of the named field.
func collect(field string, into *[]string) Handler {
	return Handler{OnResponse: func(m proto.Message) error {
		*into = append(*into, getField(m, field).String())
		return nil
	}}
}

func getField(m proto.Message, name string) protoreflect.Value {
	r := m.ProtoReflect()
	fd := r.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		panic("no field " + name + " in " + string(r.Descriptor().FullName()))
	}
	return r.Get(fd)
}

func mustOK(t *testing.T, res Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("local error: %v", err)
	}
	if res.Status == nil || res.Status.Code() != codes.OK {
		t.Fatalf("status %v, want OK", res.Status)
	}
}

func TestInvokeUnary(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Echo")
	var replies []string
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, `{"message":"hello"}`), collect("message", &replies))
	mustOK(t, res, err)
	if len(replies) != 1 || replies[0] != "hello" {
		t.Fatalf("replies %q, want [hello]", replies)
	}
	if res.Sent != 1 || res.Received != 1 {
		t.Errorf("sent %d received %d, want 1 and 1", res.Sent, res.Received)
	}
}

func TestInvokeUnaryEmptyInputSendsEmptyMessage(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Echo")
	var replies []string
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, "  \n"), collect("message", &replies))
	mustOK(t, res, err)
	if len(replies) != 1 || replies[0] != "" || res.Sent != 1 {
		t.Fatalf("replies %q sent %d, want one empty reply to one empty request", replies, res.Sent)
	}
}

func TestInvokeMetadataRoundTrip(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Echo")
	header, err := ParseHeaders([]string{"X-Request-ID: abc-123", "x-tag: one"})
	if err != nil {
		t.Fatal(err)
	}
	var echoed map[string]string
	var headerSeen metadata.MD
	h := Handler{
		OnHeader: func(md metadata.MD) { headerSeen = md },
		OnResponse: func(m proto.Message) error {
			echoed = map[string]string{}
			getField(m, "metadata").Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				echoed[k.String()] = v.String()
				return true
			})
			return nil
		},
	}
	res, err := Invoke(testContext(t), conn, md, header, jsonRequests(md, `{"message":"m"}`), h)
	mustOK(t, res, err)
	if echoed["x-request-id"] != "abc-123" || echoed["x-tag"] != "one" {
		t.Fatalf("server echoed metadata %v, want x-request-id=abc-123 and x-tag=one", echoed)
	}
	if headerSeen == nil || res.Header == nil {
		t.Errorf("OnHeader got %v, Result.Header %v; want the response header", headerSeen, res.Header)
	}
}

func TestInvokeServerStream(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Count")
	var replies []string
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, `{"count":5}`), collect("n", &replies))
	mustOK(t, res, err)
	if strings.Join(replies, ",") != "1,2,3,4,5" {
		t.Fatalf("replies %q, want 1..5", replies)
	}
	if res.Sent != 1 || res.Received != 5 {
		t.Errorf("sent %d received %d", res.Sent, res.Received)
	}
}

func TestInvokeClientStream(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Sum")
	var totals, counts []string
	h := Handler{OnResponse: func(m proto.Message) error {
		totals = append(totals, getField(m, "total").String())
		counts = append(counts, getField(m, "count").String())
		return nil
	}}
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, "{\"value\":1}\n{\"value\":2}\n{\"value\":39}\n"), h)
	mustOK(t, res, err)
	if len(totals) != 1 || totals[0] != "42" || counts[0] != "3" {
		t.Fatalf("totals %q counts %q, want 42 and 3", totals, counts)
	}
	if res.Sent != 3 || res.Received != 1 {
		t.Errorf("sent %d received %d", res.Sent, res.Received)
	}
}

// TestInvokeBidiInterleaves proves replies are received while input is still
// being produced: the second message is only given after the first reply
// arrived, so a client that read all input first would never finish.
func TestInvokeBidiInterleaves(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Chat")
	ctx := testContext(t)
	firstReply := make(chan struct{})
	calls := 0
	next := func() (proto.Message, error) {
		calls++
		switch calls {
		case 1:
			return NewReader(InputJSON, strings.NewReader(`{"text":"first"}`), md.Input(), nil, ReaderOptions{}).Next()
		case 2:
			select {
			case <-firstReply:
			case <-ctx.Done():
				return nil, errors.New("first reply never arrived before the second message was needed")
			}
			return NewReader(InputJSON, strings.NewReader(`{"text":"second"}`), md.Input(), nil, ReaderOptions{}).Next()
		default:
			return nil, io.EOF
		}
	}
	var replies []string
	h := Handler{OnResponse: func(m proto.Message) error {
		replies = append(replies, getField(m, "text").String())
		if len(replies) == 1 {
			close(firstReply)
		}
		return nil
	}}
	res, err := Invoke(ctx, conn, md, nil, next, h)
	mustOK(t, res, err)
	if strings.Join(replies, ",") != "first,second" {
		t.Fatalf("replies %q, want echoes of first then second", replies)
	}
	if res.Sent != 2 || res.Received != 2 {
		t.Errorf("sent %d received %d", res.Sent, res.Received)
	}
}

func TestInvokeDeadline(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Sleep")
	ctx, cancel := context.WithTimeout(testContext(t), 100*time.Millisecond)
	defer cancel()
	res, err := Invoke(ctx, conn, md, nil, jsonRequests(md, `{"ms":20000}`), Handler{})
	if err != nil {
		t.Fatalf("a deadline is a call outcome, not a local error: %v", err)
	}
	if res.Status.Code() != codes.DeadlineExceeded {
		t.Fatalf("status %v, want DeadlineExceeded", res.Status)
	}
}

func TestInvokeCancel(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Count")
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	received := 0
	h := Handler{OnResponse: func(proto.Message) error {
		received++
		cancel() // the caller gives up after the first reply
		return nil
	}}
	res, err := Invoke(ctx, conn, md, nil, jsonRequests(md, `{"count":1000,"interval_ms":10}`), h)
	if err != nil {
		t.Fatalf("cancellation by the caller's context is not a local error: %v", err)
	}
	if res.Status.Code() != codes.Canceled || received != 1 || res.Received != 1 {
		t.Fatalf("status %v after %d replies (Received %d), want Canceled after 1", res.Status, received, res.Received)
	}
}

func TestInvokeHandlerErrorCancels(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Count")
	stop := errors.New("output closed")
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, `{"count":1000,"interval_ms":10}`),
		Handler{OnResponse: func(proto.Message) error { return stop }})
	if !errors.Is(err, stop) {
		t.Fatalf("error %v, want the handler's error", err)
	}
	if res.Status.Code() != codes.Canceled || res.Received != 1 {
		t.Fatalf("status %v received %d, want Canceled after 1", res.Status, res.Received)
	}
}

func TestInvokeFailDetails(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Fail")
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, `{"code":5,"message":"no such thing"}`), Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status.Code() != codes.NotFound || res.Status.Message() != "no such thing" {
		t.Fatalf("status %v, want NotFound: no such thing", res.Status)
	}
	out, err := StatusJSON(res.Status, nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Code    string           `json:"code"`
		Details []map[string]any `json:"details"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	types := map[string]map[string]any{}
	for _, d := range doc.Details {
		typeURL, _ := d["@type"].(string)
		types[typeURL] = d
	}
	if doc.Code != "NOT_FOUND" {
		t.Errorf("code %q", doc.Code)
	}
	badRequest, ok := types["type.googleapis.com/google.rpc.BadRequest"]
	if violations, _ := badRequest["fieldViolations"].([]any); !ok || len(violations) != 1 || violations[0].(map[string]any)["field"] != "code" {
		t.Errorf("BadRequest detail missing or empty in %s", out)
	}
	errorInfo, ok := types["type.googleapis.com/google.rpc.ErrorInfo"]
	if !ok || errorInfo["reason"] != "REQUESTED_FAILURE" {
		t.Errorf("ErrorInfo detail missing or empty in %s", out)
	}
}

func TestInvokeMaxReceiveSize(t *testing.T) {
	conn := startSample(t, DialOptions{MaxRecvMsgSize: 1024})
	md := sampleMethod(t, "Big")
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, `{"bytes":4096}`), Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status.Code() != codes.ResourceExhausted {
		t.Fatalf("status %v, want ResourceExhausted", res.Status)
	}
	// The same size within the limit goes through.
	res, err = Invoke(testContext(t), conn, md, nil, jsonRequests(md, `{"bytes":512}`), Handler{})
	mustOK(t, res, err)
}

func TestInvokeBadJSONInStream(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Sum")
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, "{\"value\":1}\n{\"value\": x}\n"), Handler{})
	var inputErr *InputError
	if !errors.As(err, &inputErr) {
		t.Fatalf("error %v, want an InputError", err)
	}
	if inputErr.Request != 2 || inputErr.Line != 2 || inputErr.Column != 11 {
		t.Fatalf("InputError %q at request %d line %d column %d, want request 2 line 2 column 11",
			err, inputErr.Request, inputErr.Line, inputErr.Column)
	}
	if res.Status.Code() != codes.Canceled || res.Sent != 1 {
		t.Errorf("status %v sent %d, want Canceled after 1", res.Status, res.Sent)
	}
}

func TestInvokeBadJSONUnary(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Echo")
	res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, `{"nope":1}`), Handler{})
	var inputErr *InputError
	if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), `unknown field "nope"`) {
		t.Fatalf("error %v, want an InputError about the unknown field", err)
	}
	if res.Status == nil || res.Sent != 0 {
		t.Errorf("status %v sent %d, want a status and nothing sent", res.Status, res.Sent)
	}
}

func BenchmarkInvokeCountStream(b *testing.B) {
	conn := startSample(b, DialOptions{})
	md := samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName("Count")
	ctx := testContext(b)
	b.ReportAllocs()
	for b.Loop() {
		received := 0
		res, err := Invoke(ctx, conn, md, nil, jsonRequests(md, `{"count":10000}`),
			Handler{OnResponse: func(proto.Message) error { received++; return nil }})
		if err != nil || res.Status.Code() != codes.OK || received != 10000 {
			b.Fatalf("received %d, status %v, err %v", received, res.Status, err)
		}
	}
}

// TestInvokeReturnsWhileInputBlocks covers a terminal that is never closed:
// once the call is over, Invoke must not wait for the next line of input.
func TestInvokeReturnsWhileInputBlocks(t *testing.T) {
	conn := startSample(t, DialOptions{})
	md := sampleMethod(t, "Chat")
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	calls := 0
	next := func() (proto.Message, error) {
		calls++
		if calls == 1 {
			return NewReader(InputJSON, strings.NewReader(`{"text":"only"}`), md.Input(), nil, ReaderOptions{}).Next()
		}
		<-release // input that never comes while the call lasts
		return nil, io.EOF
	}
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	var replies []string
	res, err := Invoke(ctx, conn, md, nil, next, collect("text", &replies))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status.Code() != codes.DeadlineExceeded || strings.Join(replies, ",") != "only" || res.Sent != 1 {
		t.Fatalf("status %v replies %q sent %d, want DeadlineExceeded after one echo", res.Status, replies, res.Sent)
	}
}
