package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startContainerd runs Debian's containerd with its root, state and sockets
// in a private directory and the CRI plugin off, and returns its socket.
func startContainerd(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("containerd")
	if err != nil {
		t.Skip("containerd is not installed (.ci/run installs Debian's containerd); skipping the real-daemon test")
	}
	if os.Geteuid() != 0 {
		t.Skip("containerd needs root for its state directories; skipping the real-daemon test")
	}
	dir := shortDir(t)
	sock := filepath.Join(dir, "containerd.sock")
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock, sock+".ttrpc")
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start containerd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if runCLI(t, nil, "--health", sock).code == exitHealthServing || runCLI(t, nil, "--call", "containerd.services.version.v1.Version/Version", sock).code == exitOK {
			return sock
		}
		if time.Now().After(deadline) {
			t.Fatalf("containerd did not come up; its log:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestContainerd checks sockscope against a real daemon that serves no
// reflection: the schema comes built in.
func TestContainerd(t *testing.T) {
	sock := startContainerd(t)

	r := runCLI(t, nil, "--list", sock).want(t, exitOK)
	for _, want := range []string{"containerd.services.version.v1.Version/Version", "containerd.services.events.v1.Events/Subscribe",
		"containerd.services.containers.v1.Containers/List"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--list lacks %s", want)
		}
	}

	r = runCLI(t, nil, "-v", "--call", "containerd.services.version.v1.Version/Version", sock).want(t, exitOK)
	if v, _ := decodeJSON(t, r.stdout)["version"].(string); v == "" {
		t.Errorf("Version reply: %s", r.stdout)
	}
	if !strings.Contains(r.stderr, "Schema: built-in containerd (the socket's name") {
		t.Errorf("-v does not say which schema and why:\n%s", r.stderr)
	}

	// A socket whose name says nothing: the schema is found by asking.
	link := filepath.Join(shortDir(t), "daemon.sock")
	if err := os.Symlink(sock, link); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "-v", "--call", "containerd.services.version.v1.Version/Version", link).want(t, exitOK)
	if !strings.Contains(r.stderr, "the server answers containerd.services.version.v1.Version/Version") {
		t.Errorf("schema by probing not reported:\n%s", r.stderr)
	}

	// containerd wants a namespace; the error says how to give one.
	r = runCLI(t, nil, "--call", "containerd.services.containers.v1.Containers/List", sock).want(t, exitRPCBase+9)
	if !strings.Contains(r.stderr, "-H 'containerd-namespace: default'") {
		t.Errorf("no namespace hint:\n%s", r.stderr)
	}
	runCLI(t, nil, "--call", "containerd.services.containers.v1.Containers/List", "-H", "containerd-namespace: default", sock).want(t, exitOK)

	// A server stream: subscribe, cause an event, read it decoded (its Any
	// type URL has no type.googleapis.com prefix).
	events := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		code := run([]string{"--call", "containerd.services.events.v1.Events/Subscribe", "--format", "jsonl", "--max-time", "3s", sock},
			strings.NewReader(""), &out, &errOut)
		events <- result{code, out.String(), errOut.String()}
	}()
	time.Sleep(500 * time.Millisecond) // let the subscription reach the daemon
	runCLI(t, nil, "--call", "containerd.services.namespaces.v1.Namespaces/Create", "-H", "containerd-namespace: default",
		"-d", `{"namespace": {"name": "sockscope-test"}}`, sock).want(t, exitOK)
	ev := <-events
	// containerd reports the end of a subscription at the deadline either as
	// DeadlineExceeded or as Unknown "subscription error: context deadline
	// exceeded", depending on which side notices first.
	if ev.code != exitRPCBase+4 && !(ev.code == exitRPCBase+2 && strings.Contains(ev.stderr, "deadline exceeded")) {
		t.Errorf("Subscribe ended with %d, want the end of --max-time: %s", ev.code, ev.stderr)
	}
	if !strings.Contains(ev.stdout, `"topic":"/namespaces/create"`) || !strings.Contains(ev.stdout, `"@type":"containerd.events.NamespaceCreate","name":"sockscope-test"`) {
		t.Errorf("the create event is missing or undecoded:\n%s", ev.stdout)
	}

	if r := runCLI(t, nil, "--schema", "list"); !strings.Contains(r.stdout, "containerd") {
		t.Errorf("--schema list: %s", r.stdout)
	}
}
