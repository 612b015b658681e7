package history

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/client"
	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
)

// A real client stream against the sample server: every request the
// stream sent is in the entry, with the header masked and the outcome.
func TestNewEntryFromARealCall(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: "hunter2"})
	target, err := client.ParseAddress(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := client.Dial(ctx, target, client.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	md := samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName("Sum")
	var requests []proto.Message
	for _, v := range []int64{1, 2, 39} {
		m := dynamicpb.NewMessage(md.Input())
		m.Set(md.Input().Fields().ByName("value"), protoreflect.ValueOfInt64(v))
		requests = append(requests, m)
	}
	next := func() (proto.Message, error) {
		if len(requests) == 0 {
			return nil, io.EOF
		}
		m := requests[0]
		requests = requests[1:]
		return m, nil
	}
	rec := &Recorder{}
	header := metadata.Pairs("authorization", "Bearer hunter2", "x-trace", "7")
	start := time.Now()
	result, err := client.Invoke(ctx, conn, md, header, rec.Wrap(next), client.Handler{})
	if err != nil || result.Status.Code() != codes.OK {
		t.Fatalf("Sum: %v, %v", result.Status, err)
	}
	e := NewEntry(Call{Time: start, Address: "unix://" + sock, Method: md, Requests: rec, Header: header,
		Deadline: 5 * time.Second, Result: result, Took: time.Since(start), Source: "cli"})
	if e.Method != "sample.v1.Echo/Sum" || e.Address != sock || e.Code != "OK" || e.Sent != 3 || e.Received != 1 || e.DeadlineMS != 5000 {
		t.Errorf("entry %+v", e)
	}
	var got []string
	for _, r := range e.Requests {
		got = append(got, string(r))
	}
	if strings.Join(got, " ") != `{"value":"1"} {"value":"2"} {"value":"39"}` {
		t.Errorf("requests %s", got)
	}
	if e.Metadata["authorization"][0] != Masked || e.Metadata["x-trace"][0] != "7" {
		t.Errorf("metadata %v", e.Metadata)
	}
	if lines := e.MetadataLines(); strings.Join(lines, "|") != "authorization: <masked>|x-trace: 7" {
		t.Errorf("MetadataLines %q", lines)
	}
}

func TestRecorderBoundsWhatItKeeps(t *testing.T) {
	md := samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName("Echo")
	rec := &Recorder{}
	for range 100 {
		m := dynamicpb.NewMessage(md.Input())
		m.Set(md.Input().Fields().ByName("message"), protoreflect.ValueOfString(strings.Repeat("x", 10<<10)))
		rec.Record(m)
	}
	kept, omitted := rec.json(nil)
	if len(kept)+omitted != 100 || omitted == 0 || len(kept) == 0 {
		t.Fatalf("kept %d, omitted %d of 100 10 KiB messages", len(kept), omitted)
	}
	var total int
	for _, k := range kept {
		total += len(k)
		if !json.Valid(k) {
			t.Errorf("kept request is not JSON: %.40s", k)
		}
	}
	if total > 2*maxKeptRequestBytes {
		t.Errorf("kept %d bytes of JSON", total)
	}
}

// TestRecorderKeepsEncodings checks that the recorder keeps what was sent
// rather than the message: a stream's messages can then be freed as they
// go, and a message changed after sending does not change the history.
func TestRecorderKeepsEncodings(t *testing.T) {
	md := samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName("Sum")
	field := md.Input().Fields().ByName("value")
	rec := &Recorder{}
	m := dynamicpb.NewMessage(md.Input())
	for v := range int64(3) {
		m.Set(field, protoreflect.ValueOfInt64(v+1))
		rec.Record(m)
	}
	m.Set(field, protoreflect.ValueOfInt64(99))
	kept, omitted := rec.json(nil)
	var got []string
	for _, k := range kept {
		got = append(got, string(k))
	}
	if strings.Join(got, " ") != `{"value":"1"} {"value":"2"} {"value":"3"}` || omitted != 0 {
		t.Errorf("kept %s, omitted %d", got, omitted)
	}
}
