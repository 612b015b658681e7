package history

import (
	"fmt"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/sample/samplepb"
)

// fill appends n entries to a fresh store.
func fill(b *testing.B, n int) *Store {
	b.Helper()
	s := Open(filepath.Join(b.TempDir(), "sockscope", FileName), Limits{})
	for i := range n {
		if _, err := s.Append(entry(fmt.Sprintf("sample.v1.Echo/M%d", i))); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkAppend is what recording costs each call, on a file of 5,000
// calls (trimming happens once in every thousand and is not included).
func BenchmarkAppend(b *testing.B) {
	s := fill(b, 5000)
	e := entry("sample.v1.Echo/Echo")
	for b.Loop() {
		if _, err := s.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad reads a full history, as --history and the TUI's view do.
func BenchmarkLoad(b *testing.B) {
	s := fill(b, DefaultMaxEntries)
	for b.Loop() {
		if entries, _, err := s.Load(); err != nil || len(entries) != DefaultMaxEntries {
			b.Fatal(len(entries), err)
		}
	}
}

// BenchmarkFilter is one keystroke in the TUI's filter over a full
// history.
func BenchmarkFilter(b *testing.B) {
	s := fill(b, DefaultMaxEntries)
	entries, _, err := s.Load()
	if err != nil {
		b.Fatal(err)
	}
	ix := NewIndex(entries)
	words := []string{"echo/m99", "ok"}
	for b.Loop() {
		ix.Filter(words)
	}
}

// BenchmarkRecordSmall is the recorder's cost per message of a client
// stream of small messages, the case where keeping decoded messages cost
// the heap most.
func BenchmarkRecordSmall(b *testing.B) {
	md := samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName("Sum")
	field := md.Input().Fields().ByName("value")
	rec := &Recorder{}
	var v int64
	b.ReportAllocs()
	for b.Loop() {
		m := dynamicpb.NewMessage(md.Input())
		v++
		m.Set(field, protoreflect.ValueOfInt64(v))
		rec.Record(m)
	}
}
