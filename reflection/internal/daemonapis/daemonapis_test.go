package daemonapis

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite reflection/schemas from the linked daemon API modules")

// schemasDir is where the reflection package embeds the protosets from.
const schemasDir = "../../schemas"

// TestProtosetsAreCurrent fails when the embedded protosets no longer match
// the daemon API modules go.mod pins: after such an upgrade, run
// `go generate ./reflection` (this test with -update).
func TestProtosetsAreCurrent(t *testing.T) {
	for _, name := range Names() {
		want, err := Protoset(name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(schemasDir, name+".protoset")
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go generate ./reflection)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the descriptors of the linked modules: run go generate ./reflection", path)
		}
	}
	entries, err := os.ReadDir(schemasDir)
	if err != nil {
		t.Fatal(err)
	}
	var stray []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".protoset")
		if _, known := Roots[name]; !ok || !known {
			stray = append(stray, e.Name())
		}
	}
	sort.Strings(stray)
	if len(stray) > 0 {
		t.Errorf("%s holds files no daemon API writes: %v", schemasDir, stray)
	}
}
