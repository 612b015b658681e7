package main

import (
	"os"
	"runtime/debug"
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
