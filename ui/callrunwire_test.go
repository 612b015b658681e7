package ui

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/sample/samplepb"
)

// TestRunCallLargeReply: a unary reply over wireReplyOver, formatted from
// its wire bytes, reads in the viewer as the decoded reply does.
func TestRunCallLargeReply(t *testing.T) {
	path := startSample(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := client.Dial(ctx, client.Target{Network: "unix", Address: path}, client.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	method := samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName(protoreflect.Name("Big"))
	request := &samplepb.BigRequest{Bytes: wireReplyOver + 1}
	events := newEventQueue()
	go runCall(ctx, callSpec{conn: conn, method: method, first: request, maxMsg: 64 << 20}, events)
	var got *reply
	for {
		batch, open := events.wait(time.Time{})
		for _, ev := range batch {
			if ev.reply != nil {
				got = ev.reply
			}
			if ev.done && (ev.err != nil || ev.result.Status.Code() != 0) {
				t.Fatalf("call: %v %v", ev.err, ev.result.Status)
			}
		}
		if !open {
			break
		}
	}
	if got == nil || got.doc == nil {
		t.Fatal("no reply document")
	}
	reply, err := samplepb.NewEchoClient(conn).Big(ctx, request)
	if err != nil {
		t.Fatal(err)
	}
	want, err := newReplyDocument(ctx, &client.ReplyFormat{}, proto.Message(reply))
	if err != nil {
		t.Fatal(err)
	}
	if got.doc.text != want.text {
		t.Errorf("document of %d bytes differs from the decoded reply's of %d", len(got.doc.text), len(want.text))
	}
}
