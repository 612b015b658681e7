package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sockscope/sockets/socketstest"
)

// TestListLeavesOutUndescribed is finding 1 of issue 13: a server whose
// reflection lists services it does not describe (gRPC C++'s default
// health service; a file importing one that is not served) is listed all
// the same, what was left out is named with why, and the exit status says
// the list is incomplete.
func TestListLeavesOutUndescribed(t *testing.T) {
	dir := shortDir(t)
	sock := filepath.Join(dir, "i.sock")
	socketstest.ServeIncompleteReflection(t, sock)

	for _, args := range [][]string{{"--list"}, {"--list", "--long"}} {
		r := runCLI(t, nil, append(args, "-v", sock)...).want(t, exitFailure)
		for _, want := range []string{"sample.v1.Echo/Echo", "sample.v1.Workloads/WatchEvents", "grpc.health.v1.Health/Check"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: stdout lacks %s:\n%s", args, want, r.stdout)
			}
		}
		for _, want := range []string{
			"left out service dep.v1.Users: reflection does not describe it: its file dep/users.proto imports dep/missing.proto, which reflection does not serve",
			"left out service hidden.v1.Secrets: reflection does not describe it: file_containing_symbol answers NOT_FOUND",
			"Schema: server reflection v1; grpc.health.v1.Health from the built-in definition",
			"hint: the schema of what reflection does not describe can be given with --proto",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.stderr)
			}
		}
	}

	out := filepath.Join(dir, "listed.protoset")
	runCLI(t, nil, "--list", "--protoset-out", out, sock).want(t, exitFailure)
	r := runCLI(t, nil, "--list", "--protoset", out).want(t, exitOK)
	if !strings.Contains(r.stdout, "sample.v1.Echo/Echo") || !strings.Contains(r.stdout, "grpc.health.v1.Health/Check") {
		t.Errorf("the protoset of an incomplete listing lacks what was listed:\n%s", r.stdout)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Errorf("--protoset-out wrote nothing: %v", err)
	}

	r = runCLI(t, nil, "--describe", socketstest.MissingImportService, sock).want(t, exitFailure)
	if !strings.Contains(r.stderr, "imports dep/missing.proto, which reflection does not serve") {
		t.Errorf("describing a service whose import is missing:\n%s", r.stderr)
	}
	r = runCLI(t, nil, "-v", "--call", "grpc.health.v1.Health/Check", sock).want(t, exitOK)
	if !strings.Contains(r.stdout, "SERVING") || !strings.Contains(r.stderr, "grpc.health.v1.Health from the built-in definition") {
		t.Errorf("a call of the undescribed health service:\n%s%s", r.stdout, r.stderr)
	}
}
