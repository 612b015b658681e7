package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestCapHeapLiftsForALargeLiveHeap checks both sides of capHeap: the
// cap holds while the live heap is small, and is lifted once a collection
// finds the live heap past half of it.
func TestCapHeapLiftsForALargeLiveHeap(t *testing.T) {
	if v, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		t.Skipf("GOMEMLIMIT=%s is set, which capHeap leaves alone", v)
	}
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	const limit = 256 << 20 // well above this test binary's own heap
	capHeap(limit)
	runtime.GC()
	if got := waitForLimit(func(l int64) bool { return l != limit }, 20); got != limit {
		t.Fatalf("with a small live heap the limit became %d, want %d", got, limit)
	}

	live := make([][]byte, 0, 160)
	for range cap(live) {
		live = append(live, make([]byte, 1<<20))
	}
	got := waitForLimit(func(l int64) bool { return l == math.MaxInt64 }, 200)
	runtime.KeepAlive(live)
	if got != math.MaxInt64 {
		t.Fatalf("with %d MiB live under a %d MiB cap the limit is still %d", len(live), limit>>20, got)
	}
}

// waitForLimit collects up to rounds times, giving the cleanup that
// capHeap arms after each collection its turn, until done holds for the
// memory limit; it returns the limit then.
func waitForLimit(done func(int64) bool, rounds int) int64 {
	for range rounds {
		runtime.GC()
		time.Sleep(time.Millisecond) // cleanups run on their own goroutine
		if l := debug.SetMemoryLimit(-1); done(l) {
			return l
		}
	}
	return debug.SetMemoryLimit(-1)
}
