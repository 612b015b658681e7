package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sockscope/sample"
)

// shellFixture is the built binary on PATH, its completion scripts and a
// private cache, for the shells to run as a user's would.
type shellFixture struct {
	dir, sock string
	env       []string
}

func newShellFixture(t *testing.T) *shellFixture {
	t.Helper()
	bin := buildSockscope(t)
	f := &shellFixture{dir: filepath.Dir(bin), sock: startSample(t, sample.ReflectionV1)}
	f.env = []string{
		"PATH=" + f.dir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"XDG_CACHE_HOME=" + filepath.Join(f.dir, "cache"),
		"HOME=" + f.dir,
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, err := exec.Command(bin, "--completion", shell).Output()
		if err != nil {
			t.Fatalf("--completion %s: %v", shell, err)
		}
		if err := os.WriteFile(filepath.Join(f.dir, "complete."+shell), out, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *shellFixture) script(shell string) string { return filepath.Join(f.dir, "complete."+shell) }

func needShell(t *testing.T, shell string) {
	t.Helper()
	if _, err := exec.LookPath(shell); err != nil {
		t.Skipf("%s is not installed (.ci/run installs it from Debian when root); skipping its completion test", shell)
	}
}

// waitForAll waits until the screen shows every one of want.
func (s *tmuxSession) waitForAll(want []string) string {
	s.t.Helper()
	return s.waitUntil(strings.Join(want, ", "), func(screen string) bool {
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	})
}

// TestCompletionInShells types into real shells with the generated scripts
// sourced, against the sample server: bash and zsh in a terminal (tmux),
// fish through its own completion engine (complete -C).
func TestCompletionInShells(t *testing.T) {
	f := newShellFixture(t)

	t.Run("bash", func(t *testing.T) {
		needShell(t, "bash")
		s := startTmux(t, 160, 40, append(append([]string{"env"}, f.env...), "PS1=$ ", "bash", "--norc", "--noprofile", "-i")...)
		s.keys("source "+f.script("bash")+"; clear", "Enter")
		s.waitFor("$")
		// A service first: it completes to pkg.Service/ with no space, and
		// two more Tabs list its methods.
		s.keys("sockscope "+f.sock+" --call sample.v1.Ec", "Tab")
		s.waitFor("--call sample.v1.Echo/")
		s.keys("Tab", "Tab")
		s.waitForAll(echoMethods)

		// bash cuts words at ':', '=' and '@'; the script glues them back.
		s.keys("C-u", "clear", "Enter")
		s.keys("sockscope --format=js", "Tab")
		s.waitFor("sockscope --format=json")
		s.keys("C-u", "sockscope unix://"+f.sock[:len(f.sock)-3], "Tab")
		s.waitFor("sockscope unix://" + f.sock)
		s.keys("C-u", "sockscope "+f.sock+" --call sample.v1.Echo/Co", "Tab")
		s.waitFor("--call sample.v1.Echo/Count")
		s.keys("C-u", "C-d")
	})

	t.Run("zsh", func(t *testing.T) {
		needShell(t, "zsh")
		s := startTmux(t, 160, 40, append(append([]string{"env"}, f.env...), "PS1=%% ", "zsh", "-f", "-i")...)
		s.keys("autoload -Uz compinit && compinit -u -D && source "+f.script("zsh")+" && clear", "Enter")
		s.waitFor("%")
		s.keys("sockscope "+f.sock+" --call sample.v1.Ec", "Tab")
		s.waitFor("--call sample.v1.Echo/")
		s.keys("Tab")
		s.waitForAll(echoMethods)
		s.keys("C-u", "clear", "Enter")
		s.keys("sockscope --reflection v1a", "Tab")
		s.waitFor("sockscope --reflection v1alpha")
		s.keys("C-u", "C-d")
	})

	t.Run("fish", func(t *testing.T) {
		needShell(t, "fish")
		line := "sockscope " + f.sock + " --call sample.v1.Echo/"
		cmd := exec.Command("fish", "--no-config", "-c", "source "+f.script("fish")+"; complete -C'"+line+"'")
		cmd.Env = append(os.Environ(), f.env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		got := strings.Fields(string(out))
		for _, m := range echoMethods {
			if !strings.Contains(string(out), m+"\n") {
				t.Errorf("fish offers %q, lacking %s", got, m)
			}
		}
		cmd = exec.Command("fish", "--no-config", "-c", "source "+f.script("fish")+"; complete -C'sockscope --comp'")
		cmd.Env = append(os.Environ(), f.env...)
		if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "--completion\tPrint the completion script") {
			t.Errorf("fish flags: %v %q", err, out)
		}
	})
}
