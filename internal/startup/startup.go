// Package startup starts the process on one P; the modes that serve, scan
// or draw take every CPU back with UseAllCPUs.
//
// A scripted call is short and bound by latency: most of its life is package
// initialization (protobuf descriptors, gRPC, the .proto compiler, the TUI
// libraries) and a few round trips, none of which runs in parallel, and a
// second P only costs a thread to bring up and wake (bench/call.sh shows the
// difference; the figures are in the commit that made this change).
// This package imports nothing but the runtime and os, so Go initializes it
// before those heavy packages and the whole call runs on one P.
package startup

import (
	"os"
	"runtime"
)

// userSet is whether the GOMAXPROCS environment variable chose the number
// of Ps: that choice is left alone.
var userSet = os.Getenv("GOMAXPROCS") != ""

func init() {
	if !userSet {
		runtime.GOMAXPROCS(1)
	}
}

// UseAllCPUs restores the runtime's default number of Ps, for a mode that
// runs long enough, or in parallel enough, to gain from them.
func UseAllCPUs() {
	if !userSet {
		runtime.SetDefaultGOMAXPROCS()
	}
}
