// Package startup runs the program's initialization on one P.
//
// Much of a scripted call's life is package initialization (protobuf
// descriptors, gRPC, the .proto compiler, the TUI libraries), and all of it
// is sequential, so a second P has nothing to run in parallel there; it
// still costs time, as the runtime brings up and wakes a thread for it. On a
// 2-core machine, starting on one P took a sixth off the CPU time of
// initialization and 0.3 to 0.8 ms off a unary call, depending on the
// machine's load (perf record; bench/call.sh). This package imports nothing
// but the runtime and os, so Go initializes it before those heavy packages;
// main gives every CPU back with Done once initialization is over.
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

// Done restores the runtime's default number of Ps.
func Done() {
	if !userSet {
		runtime.SetDefaultGOMAXPROCS()
	}
}
