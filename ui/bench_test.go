package ui

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/structpb"

	"sockscope/client"
	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/session"
)

var bigMethod = samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName("Big")

// bigReply is a reply of n bytes in one bytes field: one long line.
func bigReply(n int) proto.Message {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	return &samplepb.BigReply{Data: data}
}

// nestedReply is a reply of about n bytes of workloads, each with its
// container spec, ports, resources and labels and annotations nested
// depth objects deep: millions of short lines.
func nestedReply(n, depth int) proto.Message {
	deep := map[string]any{"leaf": "value", "n": 1}
	for i := 0; i < depth; i++ {
		deep = map[string]any{fmt.Sprintf("level%d", i): deep}
	}
	annotations, _ := structpb.NewStruct(deep)
	w := &samplepb.Workload{
		Id: "web-1", Name: "web", State: samplepb.State_STATE_RUNNING,
		Labels: map[string]string{"app": "web", "env": "dev"},
		Spec: &samplepb.Workload_Container{Container: &samplepb.ContainerSpec{
			Image: "docker.io/library/nginx:1.27", Command: []string{"nginx", "-g", "daemon off;"},
			Env: map[string]string{"NGINX_PORT": "8080"},
		}},
		Resources:   &samplepb.Resources{CpuMillis: 500, MemoryBytes: 256 << 20},
		Ports:       []*samplepb.Port{{ContainerPort: 8080, HostPort: 18080, Protocol: samplepb.Port_PROTOCOL_TCP}},
		Annotations: annotations,
	}
	one := proto.Size(w) + 4
	resp := &samplepb.ListWorkloadsResponse{}
	for i := 0; i < n/one; i++ {
		resp.Workloads = append(resp.Workloads, w)
	}
	return resp
}

// decoded is m as the TUI receives it: decoded from the wire into a
// dynamic message of its type, whose fields protojson reaches through maps
// rather than generated code.
func decoded(b *testing.B, m proto.Message) proto.Message {
	wire, err := proto.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	d := dynamicpb.NewMessage(m.ProtoReflect().Descriptor())
	if err := proto.Unmarshal(wire, d); err != nil {
		b.Fatal(err)
	}
	return d
}

// formatForViewer is what runCall does with a unary reply, off the loop.
func formatForViewer(b *testing.B, m proto.Message) *document {
	doc, err := newReplyDocument(context.Background(), &client.ReplyFormat{}, m)
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// replyModel is the TUI at 120x40 on the response pane, with a unary call
// under way: what a reply's events reach.
func replyModel() (Model, *callEntry) {
	m := New(Options{Address: "unix:///nonexistent"})
	updated, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = updated.(Model)
	m.explorer.focus = focusResponse
	m.explorer.lastID++
	c := newCallEntry(m.explorer.lastID, bigMethod, 0, time.Now())
	m.explorer.byID[c.id] = c
	m.explorer.response.show(c)
	return m, c
}

// BenchmarkUnaryReply measures, for replies of 1 KiB to 64 MiB (one long
// line, or nested workloads three or twelve objects deep): formatting off the loop, the first frame
// after the reply (Update with its events, then View), and each later
// key (Update and View), which must cost the same at every size.
func BenchmarkUnaryReply(b *testing.B) {
	sizes := []struct {
		name string
		msg  func() proto.Message
	}{
		{"1KiB", func() proto.Message { return bigReply(1 << 10) }},
		{"1MiB", func() proto.Message { return bigReply(1 << 20) }},
		{"64MiB-long-line", func() proto.Message { return bigReply(64 << 20) }},
		{"64MiB-nested", func() proto.Message { return nestedReply(64<<20, 3) }},
		{"64MiB-nested-deep", func() proto.Message { return nestedReply(64<<20, 12) }},
	}
	for _, size := range sizes {
		wire, err := proto.Marshal(size.msg())
		if err != nil {
			b.Fatal(err)
		}
		desc := size.msg().ProtoReflect().Descriptor()
		// From the wire bytes to the viewer's document, decoding included:
		// the whole reply decoded and formatted, and, over wireReplyOver,
		// the parts formatted from the wire as runCall does.
		b.Run("decode+format/"+size.name, func(b *testing.B) {
			stop := peakHeap(b)
			cpu := processCPU()
			for b.Loop() {
				m, err := client.DecodeWire(desc, wire)
				if err != nil {
					b.Fatal(err)
				}
				_ = formatForViewer(b, m)
			}
			stop()
			b.ReportMetric((processCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
		})
		if len(wire) > wireReplyOver {
			b.Run("wire-format/"+size.name, func(b *testing.B) {
				stop := peakHeap(b)
				cpu := processCPU()
				for b.Loop() {
					if _, _, err := newWireReplyDocument(context.Background(), &client.ReplyFormat{}, desc, wire, false); err != nil {
						b.Fatal(err)
					}
				}
				stop()
				b.ReportMetric((processCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
			})
		}
		wire = nil
		msg := decoded(b, size.msg())
		var doc *document
		b.Run("format/"+size.name, func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				doc = formatForViewer(b, msg)
			}
			// On a machine shared with other work, the CPU time says what
			// the wall time cannot: how much of the cores it took.
			b.ReportMetric((processCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(len(doc.text))/(1<<20), "MiB-of-JSON")
		})
		events := []callEvent{{reply: &reply{at: time.Now(), doc: doc}}, {done: true, result: client.Result{}}}
		b.Run("first-frame/"+size.name, func(b *testing.B) {
			for b.Loop() {
				m, c := replyModel()
				updated, _ := m.Update(callEventsMsg{callID: c.id, events: events, at: time.Now()})
				_ = updated.View()
			}
		})
		b.Run("key/"+size.name, func(b *testing.B) {
			m, c := replyModel()
			updated, _ := m.Update(callEventsMsg{callID: c.id, events: events, at: time.Now()})
			m = updated.(Model)
			keys := []tea.KeyPressMsg{press("j"), press("l"), press("j"), press("G"), press("h"), press("g")}
			i := 0
			for b.Loop() {
				updated, _ := m.Update(keys[i%len(keys)])
				m = updated.(Model)
				_ = m.View()
				i++
			}
		})
	}
}

// BenchmarkStreamThroughModel runs a server stream of a million messages
// (sample Count, no interval) through the real TUI model, as bubbletea
// would run it (every command on a goroutine of its own, View after each
// Update), and in the same run the scripted path's work (each message
// formatted as one JSON line on a goroutine of its own and written, as
// --call does), reporting both times, their ratio and the heap.
func BenchmarkStreamThroughModel(b *testing.B) {
	const count = 1000000
	address := sampletest.Serve(b, sample.Options{Reflection: sample.ReflectionV1})
	for b.Loop() {
		start := time.Now()
		scripted(b, address, count)
		scriptedTook := time.Since(start)

		start = time.Now()
		got := throughModel(b, address, count)
		modelTook := time.Since(start)
		if got != count {
			b.Fatalf("the model received %d messages, want %d", got, count)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(scriptedTook.Seconds(), "scripted-s")
		b.ReportMetric(modelTook.Seconds(), "tui-model-s")
		b.ReportMetric(modelTook.Seconds()/scriptedTook.Seconds(), "ratio")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	}
}

// scripted does what --call --format jsonl does with each message.
func scripted(b *testing.B, address string, count int) {
	s, err := session.Open(context.Background(), session.Config{Address: address})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	md, err := s.FindMethod(context.Background(), "sample.v1.Echo/Count")
	if err != nil {
		b.Fatal(err)
	}
	req, _ := parseRequest(fmt.Sprintf(`{"count": %d}`, count), md.Input(), nil)
	sent := false
	f := &client.ReplyFormat{Resolver: s.Resolver()}
	// As --call does, replies are formatted on a goroutine of their own.
	replies := make(chan proto.Message, 256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range replies {
			if line, err := f.Marshal(m); err == nil {
				io.Discard.Write(append(line, '\n'))
			}
		}
	}()
	_, err = client.Invoke(context.Background(), s.Conn(), md, nil, func() (proto.Message, error) {
		if sent {
			return nil, io.EOF
		}
		sent = true
		return req, nil
	}, client.Handler{OnResponse: func(m proto.Message) error {
		replies <- m
		return nil
	}}, grpc.MaxCallRecvMsgSize(client.DefaultMaxMsgSize))
	close(replies)
	<-done
	if err != nil {
		b.Fatal(err)
	}
}

// throughModel connects the TUI model, sends Count and runs the model
// until the stream ends; it returns the messages the call received.
func throughModel(b *testing.B, address string, count int) int64 {
	msgs := make(chan tea.Msg, 1024)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			switch msg := c().(type) {
			case tea.BatchMsg:
				for _, sub := range msg {
					run(sub)
				}
			case nil:
			default:
				msgs <- msg
			}
		}()
	}
	var m tea.Model = New(Options{Address: address})
	step := func(msg tea.Msg) {
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		_ = m.View()
		run(cmd)
	}
	step(tea.WindowSizeMsg{Width: 120, Height: 40})
	run(m.Init())
	for m.(Model).explorer.session == nil {
		step(<-msgs)
	}
	for m.(Model).explorer.services.selected() == nil || m.(Model).explorer.request.method == nil ||
		!strings.HasSuffix(string(m.(Model).explorer.request.method.FullName()), "Count") {
		step(press("j"))
	}
	root := m.(Model)
	root.explorer.request.setBody(fmt.Sprintf(`{"count": %d}`, count))
	m = root
	step(press("ctrl+s"))
	for {
		c := m.(Model).explorer.response.call
		if c != nil && !c.running {
			return c.log.received
		}
		step(<-msgs)
	}
}

// peakHeap samples the heap's live and not yet collected objects while a
// benchmark runs; stop reports the most seen, in MiB.
func peakHeap(b *testing.B) (stop func()) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var most uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			most = max(most, sample[0].Value.Uint64())
			select {
			case <-done:
				peak <- most
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MiB")
	}
}
