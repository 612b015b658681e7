package main

import (
	"strings"
	"testing"
)

// TestContainerdServesWhatItSays is finding 8 of issue 13: on a containerd
// with plugins disabled (the CRI here), the built-in schema lists only
// what its introspection says it serves, in --list and --scan, and
// --show-unserved lists the rest too.
func TestContainerdServesWhatItSays(t *testing.T) {
	sock := startContainerd(t)
	r := runCLI(t, nil, "--list", sock).want(t, exitOK)
	if strings.Contains(r.stdout, "runtime.v1.RuntimeService") || !strings.Contains(r.stdout, "containerd.services.version.v1.Version/Version") {
		t.Errorf("--list on a containerd without the CRI:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "services the server does not serve; --show-unserved lists them") || !strings.Contains(r.stderr, "runtime.v1.RuntimeService") {
		t.Errorf("--list does not say what it left out:\n%s", r.stderr)
	}
	r = runCLI(t, nil, "--list", "--show-unserved", sock).want(t, exitOK)
	if !strings.Contains(r.stdout, "runtime.v1.RuntimeService/Version") {
		t.Errorf("--show-unserved lacks the CRI:\n%s", r.stdout)
	}
	r = runCLI(t, nil, "--call", "runtime.v1.RuntimeService/Version", sock).want(t, exitRPCBase+12)
	if !strings.Contains(r.stderr, "unknown service") {
		t.Errorf("the CRI is served after all: %s", r.stderr)
	}

	// Finding 3: containerd's ttrpc socket accepts and never answers an
	// HTTP/2 client; --connect-timeout bounds every mode there.
	for _, args := range [][]string{{"--list"}, {"--call", "containerd.services.version.v1.Version/Version"}, {"--health"}} {
		r := runCLI(t, nil, append(args, "--connect-timeout", "1s", sock+".ttrpc")...)
		if r.code == exitOK || !strings.Contains(r.stderr, "no handshake within --connect-timeout 1s") {
			t.Errorf("%v on the ttrpc socket: exit %d\n%s", args, r.code, r.stderr)
		}
	}

	r = runCLI(t, nil, "--scan", "--json", "--no-default-roots", "--root", sock[:strings.LastIndex(sock, "/")]).want(t, exitOK)
	if !strings.Contains(r.stdout, `"not_served":[`) || strings.Contains(r.stdout, `"services":["runtime.v1`) {
		t.Errorf("--scan lists what containerd does not serve:\n%s", r.stdout)
	}
}
