package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sockscope/history"
	"sockscope/sample"
	"sockscope/sample/sampletest"
)

// TestHistoryAndCollectionInTmux does what issue 14 promises in a real
// terminal: a call made in the TUI is found with ctrl+r after the program
// is started again, loads into the editor, is saved into a collection
// with ctrl+x, and `sockscope --run` on that file passes. History goes to
// a state directory of the test's own, never the user's.
func TestHistoryAndCollectionInTmux(t *testing.T) {
	bin := buildSockscope(t)
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	state := shortDir(t)
	yaml := filepath.Join(shortDir(t), "sockscope.yaml")
	tui := func() *tmuxSession {
		return startTmux(t, 120, 36, "env", "XDG_STATE_HOME="+state, history.EnvVar+"=on", bin, "--collection", yaml, sock)
	}

	tm := tui()
	tm.waitFor("sample.v1.Echo")
	selectMethod(tm, "sample.v1.EchoRequest")
	tm.keys("Tab")
	tm.setBody(`{"message": "remember me"}`)
	tm.keys("C-s")
	tm.waitFor(`"message": "remember me",`) // the reply's, with its metadata after it
	tm.keys("C-c")
	tm.waitForExit()

	tm = tui()
	tm.waitFor("sample.v1.Echo")
	tm.keys("C-r")
	tm.waitFor("History (1)")
	tm.keys("-l", "remember")
	tm.waitFor("sample.v1.Echo/Echo  OK")
	tm.keys("Enter")
	screen := tm.waitFor("Request sample.v1.EchoRequest")
	if !strings.Contains(screen, `"message": "remember me"`) {
		t.Fatalf("enter did not load the call into the editor:\n%s", screen)
	}
	if strings.Contains(screen, "Response OK") {
		t.Errorf("loading the call sent it:\n%s", screen)
	}
	tm.keys("C-x")
	tm.waitFor("save as: echo")
	tm.keys("Enter")
	tm.waitFor(`saved "echo"`)
	tm.keys("C-c")
	tm.waitForExit()

	text, err := os.ReadFile(yaml)
	if err != nil {
		t.Fatalf("no collection written: %v", err)
	}
	out, err := exec.Command(bin, "--run", yaml).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 passed, 0 failed") {
		t.Errorf("--run on the saved collection: %v\n%s\nthe file:\n%s", err, out, text)
	}
}

// TestCollectionFlag: --collection is the TUI's; with --run, whose file is
// its own argument, it is a mistake said as one.
func TestCollectionFlag(t *testing.T) {
	if _, err := parseFlags([]string{"--collection", "a.yaml", "--run", "b.yaml"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--collection is the TUI's collection") {
		t.Errorf("--collection with --run: %v", err)
	}
	if _, err := parseFlags([]string{"--collection", " "}, io.Discard); err == nil {
		t.Error("an empty --collection was taken")
	}
	o, err := parseFlags([]string{"--collection", "api.yaml", "/run/x.sock"}, io.Discard)
	if err != nil || o.collection != "api.yaml" {
		t.Errorf("--collection api.yaml: %v %+v", err, o)
	}
	if o, _ := parseFlags(nil, io.Discard); o.collection != "sockscope.yaml" {
		t.Errorf("the default collection is %q", o.collection)
	}
}
