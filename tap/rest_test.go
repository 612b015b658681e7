package tap

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/session"
)

// testRest is how long the parsers of restingTap rest: far longer than
// the tests take, so that only their wake-ups end a rest, and longer than
// untilClosed waits, so that a missing wake-up fails the test rather than
// only slowing it down.
const testRest = 2 * time.Minute

// restingTap is a tap whose parsers rest for testRest.
func restingTap(t *testing.T) *running {
	sock := sampletest.Serve(t, sample.Options{})
	listen := filepath.Join(sampletest.ShortDir(t), "t.sock")
	return startTap(t, Config{Upstream: session.Config{Address: sock}, Listen: listen, rest: testRest})
}

// untilClosed collects r's events up to the first conn_close.
func untilClosed(t *testing.T, r *running) []Event {
	t.Helper()
	// Guards a hang only: the parser of a closed connection must not wait
	// out its rest.
	guard := time.After(testRest / 2)
	var events []Event
	for {
		select {
		case ev := <-r.events:
			events = append(events, ev)
			if ev.Kind == ConnClose {
				return events
			}
		case <-guard:
			t.Fatalf("no conn_close %v after the connection closed: its parser is still resting", testRest/2)
		}
	}
}

// A parser resting after its last batch is woken when the connection
// ends, so that its calls are reported then and not a rest later.
func TestRestingParserFinishesWithItsConnection(t *testing.T) {
	r := restingTap(t)
	conn := dialGRPC(t, r.Listen())
	if _, err := samplepb.NewEchoClient(conn).Echo(context.Background(), &samplepb.EchoRequest{Message: "hi"}); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	calls := ofKind(untilClosed(t, r), CallEnd)
	if len(calls) != 1 || calls[0].Method != "sample.v1.Echo/Echo" || calls[0].Status == nil {
		t.Errorf("call_end %+v; want Echo's, with its status", calls)
	}
}

// A resting parser is woken early while a busy connection's copy fills
// up: twice what the copy may hold (feedBudget) passes each way, so a
// parser left resting would stop decoding the connection.
func TestRestingParserKeepsUp(t *testing.T) {
	r := restingTap(t)
	conn := dialGRPC(t, r.Listen())
	chat, err := samplepb.NewEchoClient(conn).Chat(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const messages = 2 * feedBudget / (1 << 20)
	msg := &samplepb.ChatMessage{Text: strings.Repeat("x", 1<<20)}
	got := make(chan int)
	go func() {
		n := 0
		for {
			if _, err := chat.Recv(); err != nil {
				if err != io.EOF {
					t.Errorf("Chat: %v", err)
				}
				got <- n
				return
			}
			n++
		}
	}()
	for range messages {
		if err := chat.Send(msg); err != nil {
			t.Fatal(err)
		}
	}
	chat.CloseSend()
	if n := <-got; n != messages {
		t.Fatalf("%d of %d messages came back", n, messages)
	}
	conn.Close()
	end := untilClosed(t, r)
	_, rep := r.stop(t)
	if rep.Incomplete != 0 {
		t.Errorf("%d connection(s) not decoded to their end: the parser did not wake while the copy filled", rep.Incomplete)
	}
	calls := ofKind(end, CallEnd)
	if len(calls) != 1 || calls[0].Requests != messages || calls[0].Responses != messages || calls[0].Status == nil {
		t.Errorf("call_end %+v; want one Chat with %d messages each way and a status", calls, messages)
	}
}
