// Command sockscope finds gRPC services listening on local sockets and calls them,
// from scripts (--call, --list, --describe, --template) or interactively.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"sockscope/internal/startup"
)

// version is set with -ldflags "-X main.version=…" by release builds.
var version = ""

// runEnv carries one invocation's options and standard streams through the modes.
type runEnv struct {
	opts   *options
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program short of os.Exit, so tests can drive it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case completeCommand:
			return runComplete(args[1:], stdout)
		case fillCommand:
			return runCompleteFill(stdin)
		}
	}
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "sockscope: %v\nTry 'sockscope --help'.\n", err)
		if healthRequested(args) {
			return exitHealthUsage
		}
		return exitUsage
	}
	env := &runEnv{opts: opts, stdin: stdin, stdout: stdout, stderr: stderr}
	switch {
	case opts.schema == "list":
		return env.listSchemas()
	case opts.showVersion:
		fmt.Fprintf(stdout, "sockscope %s\n", buildVersion())
		return exitOK
	case opts.sampleServer:
		return env.serveSample()
	case opts.call != "":
		return env.callMethod()
	case opts.list:
		return env.listMethods()
	case opts.describe != "":
		return env.describeSymbol()
	case opts.template != "":
		return env.templateSymbol()
	case opts.scan:
		return env.scanSockets()
	case opts.health:
		return env.checkHealth()
	case opts.history:
		return env.showHistory()
	case opts.rerun != 0:
		return env.rerunCall()
	case opts.runFile != "":
		return env.runCollection()
	case opts.bench != "":
		return env.benchMethod()
	case opts.completion != "":
		return env.printCompletionScript()
	case opts.tap != "":
		return env.runTap()
	case opts.toCollection != "":
		return env.toCollection()
	default:
		return env.runTUI()
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// scanGCLimit is the heap a scan grows to before it collects: discovery
// keeps every socket it finds, so collecting on the way only re-marks
// them.
const scanGCLimit = 64 << 20

func (env *runEnv) scanSockets() int {
	startup.UseAllCPUs()
	shortRunGC(-1, scanGCLimit)
	ctx, cancel := env.baseContext()
	defer cancel()
	color := isTerminal(env.stdout) && os.Getenv("NO_COLOR") == ""
	return runScan(ctx, scanOptions{Options: env.opts.scanOptions(), json: env.opts.json, color: color}, env.stdout, env.stderr)
}

// isTerminal reports whether w is a character device, i.e. a person is reading.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
