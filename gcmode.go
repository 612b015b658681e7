package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// shortRunGC sets the collector for a scripted run that ends soon: percent
// as GOGC takes it (-1 for off) and limit as a soft memory limit, past
// which the runtime collects again however percent is set, so a run that
// turns out large stays bounded. A GOGC or GOMEMLIMIT the user set wins.
func shortRunGC(percent int, limit int64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
	if limit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}

// capHeap keeps a short run's memory under limit (see
// runtime/debug.SetMemoryLimit) while its live heap is small next to it,
// and lifts the cap once the live heap passes half of it: from then on
// collecting to stay under it would only slow the run down, for a heap the
// run needs anyway. The live heap is checked after each collection.
// A GOMEMLIMIT the user set wins.
func capHeap(limit int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(limit)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var watch func(int)
	watch = func(int) {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > uint64(limit/2) {
			debug.SetMemoryLimit(math.MaxInt64)
			return
		}
		armAfterGC(watch)
	}
	armAfterGC(watch)
}

// gcSentinel is garbage from birth: its cleanup runs after the next
// collection. It holds a pointer so that the allocator does not pack it
// with other small objects, which would tie its life to theirs.
type gcSentinel struct{ _ *int }

func armAfterGC(fn func(int)) {
	runtime.AddCleanup(&gcSentinel{}, fn, 0)
}
