// Package startup starts the process on one P and gives every CPU back to
// the modes that serve, scan or draw.
//
// A scripted call is short and bound by latency: most of its life is package
// initialization (protobuf descriptors, gRPC, the compilers, the TUI
// libraries) and a few round trips in which gRPC hands frames and messages
// between goroutines. A second P keeps a second thread working on another
// CPU, and waking it for each hand-off cost a unary call about 0.8 ms on a
// 2-core machine (bench/call.sh), half of it during initialization. This
// package imports nothing but the runtime and os, so Go initializes it
// before those heavy packages; a setting made in main would come too late.
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
