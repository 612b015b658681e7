package history

import (
	"fmt"
	"path/filepath"
	"testing"
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
