package client

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// TestInvokeWire: a unary reply over WireOver reaches OnWire as the bytes
// it decodes from, one under it reaches OnResponse, and a server stream's
// replies are always decoded.
func TestInvokeWire(t *testing.T) {
	conn := startSample(t, DialOptions{})
	for _, tc := range []struct {
		method, input string
		over          int
		wantWire      int
		wantDecoded   int
	}{
		{"Echo", `{"message":"` + strings.Repeat("x", 2000) + `"}`, 1000, 1, 0},
		{"Echo", `{"message":"short"}`, 1000, 0, 1},
		{"Sum", `{"value":1}` + "\n" + `{"value":2}`, 1, 1, 0},
		{"Count", `{"count":3}`, 1, 0, 3},
	} {
		md := sampleMethod(t, tc.method)
		var wires, decoded int
		var got proto.Message
		h := Handler{
			WireOver:   tc.over,
			OnResponse: func(proto.Message) error { decoded++; return nil },
			OnWire: func(desc protoreflect.MessageDescriptor, wire []byte) error {
				wires++
				if desc != md.Output() {
					t.Errorf("%s: wire of %s, want %s", tc.method, desc.FullName(), md.Output().FullName())
				}
				m, err := DecodeWire(desc, wire)
				got = m
				return err
			},
		}
		res, err := Invoke(testContext(t), conn, md, nil, jsonRequests(md, tc.input), h)
		mustOK(t, res, err)
		if wires != tc.wantWire || decoded != tc.wantDecoded {
			t.Errorf("%s over %d: %d wire, %d decoded; want %d and %d", tc.method, tc.over, wires, decoded, tc.wantWire, tc.wantDecoded)
		}
		if got == nil {
			continue
		}
		field := map[string]string{"Echo": "message", "Sum": "total"}[tc.method]
		want := map[string]string{"Echo": strings.Repeat("x", 2000), "Sum": "3"}[tc.method]
		if v := getField(got, field).String(); v != want {
			t.Errorf("%s: the wire decodes to %s %q, want %q", tc.method, field, v, want)
		}
	}
}
