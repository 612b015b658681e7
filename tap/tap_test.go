package tap

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/session"
)

// running is a tap under test and the events it has delivered.
type running struct {
	*Tap
	events chan Event
}

func startTap(t *testing.T, cfg Config) *running {
	t.Helper()
	tp, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start the tap: %v", err)
	}
	r := &running{Tap: tp, events: make(chan Event, 1<<16)}
	go func() {
		for ev := range tp.Events() {
			r.events <- ev
		}
		close(r.events)
	}()
	t.Cleanup(func() { tp.Stop() })
	return r
}

// stop stops the tap and returns every event it delivered.
func (r *running) stop(t *testing.T) ([]Event, Report) {
	t.Helper()
	rep := r.Stop()
	var all []Event
	for ev := range r.events {
		all = append(all, ev)
	}
	return all, rep
}

func dialGRPC(t *testing.T, path string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func proxyOn(t *testing.T, upstream string, messages bool) *running {
	t.Helper()
	listen := filepath.Join(sampletest.ShortDir(t), "t.sock")
	return startTap(t, Config{Upstream: session.Config{Address: upstream}, Listen: listen, Messages: messages})
}

func ofKind(events []Event, kind EventKind) []Event {
	var out []Event
	for _, ev := range events {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

func TestProxyAllKinds(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	r := proxyOn(t, sock, true)
	if fi, err := filepathStat(r.Listen()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the listening socket: %v, %v; want mode 0600", fi, err)
	}
	echo := samplepb.NewEchoClient(dialGRPC(t, r.Listen()))
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer hunter2", "x-trace", "42")

	reply, err := echo.Echo(ctx, &samplepb.EchoRequest{Message: "hi"})
	if err != nil || reply.GetMessage() != "hi" {
		t.Fatalf("Echo through the tap: %v, %v", reply, err)
	}
	count, err := echo.Count(ctx, &samplepb.CountRequest{Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := count.Recv(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	sum, err := echo.Sum(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int64{1, 2, 3} {
		sum.Send(&samplepb.SumRequest{Value: v})
	}
	if total, err := sum.CloseAndRecv(); err != nil || total.GetTotal() != 6 {
		t.Fatalf("Sum: %v, %v", total, err)
	}
	chat, err := echo.Chat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chat.Send(&samplepb.ChatMessage{Text: "a"})
	chat.Send(&samplepb.ChatMessage{Text: "b"})
	chat.CloseSend()
	for {
		if _, err := chat.Recv(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := echo.Fail(ctx, &samplepb.FailRequest{Code: 5, Message: "gone"}); status.Code(err) != codes.NotFound {
		t.Fatalf("Fail: %v", err)
	}

	events, rep := r.stop(t)
	if rep.Incomplete != 0 || rep.Dropped != 0 || rep.Err != nil {
		t.Errorf("report %+v", rep)
	}
	ends := map[string]Event{}
	for _, ev := range ofKind(events, CallEnd) {
		ends[ev.Method] = ev
	}
	for method, want := range map[string][2]int{
		"sample.v1.Echo/Echo": {1, 1}, "sample.v1.Echo/Count": {1, 3}, "sample.v1.Echo/Sum": {3, 1},
		"sample.v1.Echo/Chat": {2, 2}, "sample.v1.Echo/Fail": {1, 0},
	} {
		end, ok := ends[method]
		if !ok {
			t.Errorf("no call_end for %s", method)
			continue
		}
		if end.Requests != want[0] || end.Responses != want[1] {
			t.Errorf("%s: %d requests, %d responses; want %v", method, end.Requests, end.Responses, want)
		}
	}
	if st := ends["sample.v1.Echo/Fail"].Status; st == nil || st.Code != codes.NotFound || st.Message != "gone" {
		t.Errorf("Fail's status: %+v", st)
	}
	if st := ends["sample.v1.Echo/Echo"].Status; st == nil || st.Code != codes.OK {
		t.Errorf("Echo's status: %+v", st)
	}

	var decoded []string
	for _, ev := range ofKind(events, MessageSeen) {
		if ev.JSON == nil {
			t.Errorf("%s %s %d not decoded: raw %q, %s", ev.Method, ev.Direction, ev.Index, ev.Raw, ev.Undecoded)
		}
		decoded = append(decoded, ev.Method+" "+string(ev.Direction)+" "+string(ev.JSON))
	}
	all := strings.Join(decoded, "\n")
	for _, want := range []string{
		`sample.v1.Echo/Echo request {"message":"hi"}`,
		`sample.v1.Echo/Count response {"n":3}`,
		`sample.v1.Echo/Sum request {"value":"3"}`,
		`sample.v1.Echo/Sum response {"total":"6","count":3}`,
		`sample.v1.Echo/Chat response {"text":"b"}`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("messages lack %s:\n%s", want, all)
		}
	}

	for _, ev := range ofKind(events, CallStart) {
		if got := ev.Metadata["authorization"]; len(got) != 1 || got[0] != "(masked, 14 bytes)" {
			t.Errorf("authorization is not masked: %q", got)
		}
		if got := ev.Metadata["x-trace"]; len(got) != 1 || got[0] != "42" {
			t.Errorf("x-trace: %q", got)
		}
		if ev.Client.PID == 0 && isLinux {
			t.Errorf("no client pid on %s", ev.Method)
		}
		line, err := json.Marshal(ev)
		if err != nil || strings.Contains(string(line), "hunter2") {
			t.Errorf("call_start line %s, %v", line, err)
		}
	}
	if opens, closes := ofKind(events, ConnOpen), ofKind(events, ConnClose); len(opens) != 1 || len(closes) != 1 || closes[0].Protocol != ProtocolHTTP2 {
		t.Errorf("connections: %d opened, %d closed (%+v)", len(opens), len(closes), closes)
	}
}

func TestCountsOnlyWithoutMessages(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionNone})
	r := proxyOn(t, sock, false)
	echo := samplepb.NewEchoClient(dialGRPC(t, r.Listen()))
	count, err := echo.Count(context.Background(), &samplepb.CountRequest{Count: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := count.Recv(); err != nil {
			break
		}
		n++
	}
	events, _ := r.stop(t)
	if got := ofKind(events, MessageSeen); len(got) != 0 {
		t.Errorf("%d message events without Messages", len(got))
	}
	ends := ofKind(events, CallEnd)
	if n != 1000 || len(ends) != 1 || ends[0].Responses != 1000 {
		t.Errorf("received %d; call_end %+v", n, ends)
	}
}

func TestUnknownSchemaShownRaw(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionNone})
	r := proxyOn(t, sock, true)
	echo := samplepb.NewEchoClient(dialGRPC(t, r.Listen()))
	if _, err := echo.Echo(context.Background(), &samplepb.EchoRequest{Message: "hi"}); err != nil {
		t.Fatal(err)
	}
	events, _ := r.stop(t)
	msgs := ofKind(events, MessageSeen)
	if len(msgs) != 2 || msgs[0].JSON != nil || msgs[0].Raw != "1: \"hi\"\n" {
		t.Fatalf("messages of an unknown type: %+v", msgs)
	}
	if notices := ofKind(events, Notice); len(notices) != 1 || !strings.Contains(notices[0].Note, "no schema for sample.v1.Echo/Echo") {
		t.Errorf("notices %+v", notices)
	}
}

func TestStopEndsOpenCalls(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	r := proxyOn(t, sock, false)
	echo := samplepb.NewEchoClient(dialGRPC(t, r.Listen()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := echo.Chat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(&samplepb.ChatMessage{Text: "a"})
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	events, _ := r.stop(t)
	ends := ofKind(events, CallEnd)
	if len(ends) != 1 || ends[0].Status != nil || !strings.Contains(ends[0].Note, "the tap stopped") {
		t.Errorf("an open call at Stop: %+v", ends)
	}
	if _, err := stream.Recv(); err == nil {
		t.Error("the client's stream survived the tap's stop")
	}
}

func TestReceiveBatches(t *testing.T) {
	events := make(chan Event, 10)
	for i := range 5 {
		events <- Event{Call: uint64(i + 1)}
	}
	batch, open := Receive(events, 3)
	if !open || len(batch) != 3 || batch[2].Call != 3 {
		t.Fatalf("first batch %v, %v", batch, open)
	}
	close(events)
	if batch, open = Receive(events, 3); !open || len(batch) != 2 {
		t.Fatalf("second batch %v, %v", batch, open)
	}
	if batch, open = Receive(events, 3); open || batch != nil {
		t.Fatalf("after the end: %v, %v", batch, open)
	}
}
