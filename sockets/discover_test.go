package sockets

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sockscope/sockets/socketstest"
)

func haveProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(procNetUnixPath); err != nil {
		t.Skipf("no %s here (%v): abstract sockets and socket types are Linux-only", procNetUnixPath, err)
	}
}

func TestAbstractSocketFoundAndProbed(t *testing.T) {
	haveProc(t)
	name := abstractName(t)
	startHTTP1(t, name)
	dgramName := abstractName(t)
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: dgramName, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	_, got := scanAll(t, Options{NoDefaultRoots: true, Roots: []string{AbstractRoot}, ProbeTimeout: testTimeout})
	s, ok := got[name]
	if !ok {
		t.Fatalf("abstract socket %s not found", name)
	}
	if !s.Abstract || s.Kind != KindHTTP1 {
		t.Errorf("abstract socket = %+v, want abstract http1", s)
	}
	if s.Owner == nil || s.Owner.UID != uint32(os.Getuid()) || s.Owner.Mode != "" {
		t.Errorf("abstract socket owner %+v, want this process's user, with no mode", s.Owner)
	}
	if _, got := scanAll(t, Options{NoDefaultRoots: true, Roots: []string{t.TempDir()}, ProbeTimeout: testTimeout}); len(got) > 0 {
		t.Errorf("--no-default-roots without @ scanned abstract sockets: %v", got)
	}
	if s.Listening == nil || !*s.Listening || s.SocketType != TypeStream {
		t.Errorf("abstract socket listening %v type %q", s.Listening, s.SocketType)
	}
	if s.Process == nil || s.Process.PID != os.Getpid() {
		t.Errorf("abstract socket process %+v, want pid %d", s.Process, os.Getpid())
	}
	if d := got[dgramName]; d.Kind != KindNotStream || d.SocketType != TypeDatagram || d.ProbeTime != 0 {
		t.Errorf("abstract datagram socket = %+v, want not-stream, never dialed", d)
	}
}

func TestNoProbeSendsNothing(t *testing.T) {
	dir := newRoot(t)
	accepted := make(chan struct{}, 1)
	socketstest.ServeConns(t, socketstest.Listen(t, join(dir, "live.sock")), func(net.Conn) { accepted <- struct{}{} })
	makeStale(t, join(dir, "stale.sock"))

	opts := rootOnly(dir)
	opts.NoProbe = true
	_, got := scanAll(t, opts)
	for _, name := range []string{"live.sock", "stale.sock"} {
		if s := got[join(dir, name)]; s.Kind != KindUnprobed {
			t.Errorf("%s: kind %q, want unprobed", name, s.Kind)
		}
	}
	select {
	case <-accepted:
		t.Errorf("--no-probe connected to a socket")
	default:
	}
	if _, err := os.Stat(procNetUnixPath); err == nil {
		live := got[join(dir, "live.sock")]
		if live.Listening == nil || !*live.Listening {
			t.Errorf("live socket listening = %v, want true from /proc", live.Listening)
		}
		if live.Process == nil || live.Process.PID != os.Getpid() {
			t.Errorf("live socket process = %+v, want pid %d from /proc/<pid>/fd", live.Process, os.Getpid())
		}
		stale := got[join(dir, "stale.sock")]
		if stale.Listening != nil {
			t.Errorf("stale socket listening = %v, want unknown (not in /proc)", *stale.Listening)
		}
	}
}

func TestWalkDepthSymlinksDuplicatesAndUnreadable(t *testing.T) {
	dir := newRoot(t)
	deep := filepath.Join(dir, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	makeStale(t, join(dir, "top.sock"))
	makeStale(t, filepath.Join(deep, "deep.sock")) // depth 4
	other := newRoot(t)
	makeStale(t, join(other, "elsewhere.sock"))
	if err := os.Symlink(other, join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	opts := Options{Roots: []string{dir, dir + "/", join(dir, "link/..")}, NoDefaultRoots: true, MaxDepth: 3, NoProbe: true}
	if cwd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(cwd, dir); err == nil {
			opts.Roots = append(opts.Roots, rel)
		}
	}
	scan, err := Discover(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, s := range scan.Sockets {
		if !s.Abstract {
			paths = append(paths, s.Path)
		}
	}
	if len(paths) != 1 || paths[0] != join(dir, "top.sock") {
		t.Errorf("found %v, want only %s (deep.sock is below MaxDepth 3, link is a symlink)", paths, join(dir, "top.sock"))
	}
	if scan.RootsRead != 1 {
		t.Errorf("RootsRead = %d, want 1: every root names the same directory (%+v)", scan.RootsRead, scan.Roots)
	}
	for _, r := range scan.Roots[1:] {
		if r.SameAs != dir {
			t.Errorf("root %s: SameAs = %q, want %q", r.Path, r.SameAs, dir)
		}
	}

	opts.MaxDepth = 4
	scan, _ = Discover(context.Background(), opts)
	found := false
	for _, s := range scan.Sockets {
		found = found || s.Path == filepath.Join(deep, "deep.sock")
	}
	if !found {
		t.Errorf("MaxDepth 4 did not find %s", filepath.Join(deep, "deep.sock"))
	}
}

// TestUnreadableDirCounted needs a user who cannot read a mode-0000
// directory; as root it runs itself again as nobody.
func TestUnreadableDirCounted(t *testing.T) {
	if dir := os.Getenv("SOCKSCOPE_UNREADABLE_CHILD"); dir != "" {
		scan, err := Discover(context.Background(), Options{Roots: []string{dir}, NoDefaultRoots: true, NoProbe: true})
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString(fmt.Sprintf("READ=%d UNREADABLE=%q\n", scan.RootsRead, scan.UnreadableDirs))
		return
	}
	dir := newRoot(t)
	locked := join(dir, "locked")
	if err := os.Mkdir(locked, 0o000); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	out := runAsUnprivileged(t, dir, "TestUnreadableDirCounted", "SOCKSCOPE_UNREADABLE_CHILD="+dir)
	if want := fmt.Sprintf("READ=1 UNREADABLE=%q\n", []string{locked}); !strings.Contains(out, want) {
		t.Errorf("discovery as an unprivileged user: %q, want %q", out, want)
	}
}

// runAsUnprivileged runs one test of this binary with env added: as
// "nobody" when we are root (from a world-readable copy of the binary in
// dir, since the build directory may be closed to others), else as
// ourselves. It skips the test when that is impossible here.
func runAsUnprivileged(t *testing.T, dir, test string, env string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^"+test+"$")
	if os.Geteuid() == 0 {
		bin := join(dir, "child.test")
		data, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(bin, "-test.run=^"+test+"$")
		setCredentials(t, cmd, 65534, 65534) // nobody
	}
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("cannot run %s as an unprivileged user here: %v: %s", test, err, out)
	}
	return string(out)
}

func TestMissingRootIsReportedNotFatal(t *testing.T) {
	dir := newRoot(t)
	makeStale(t, join(dir, "s.sock"))
	missing := join(dir, "nope")
	scan, err := Discover(context.Background(), Options{Roots: []string{missing, dir}, NoDefaultRoots: true, NoProbe: true})
	if err != nil {
		t.Fatal(err)
	}
	if scan.RootsRead != 1 || scan.Roots[0].Err == nil {
		t.Errorf("RootsRead %d, roots %+v: want the missing root to carry an error", scan.RootsRead, scan.Roots)
	}
	if len(scan.Warnings) != 1 || !strings.Contains(scan.Warnings[0], missing) {
		t.Errorf("warnings %q, want one naming %s", scan.Warnings, missing)
	}
	scan, _ = Discover(context.Background(), Options{Roots: []string{missing}, NoDefaultRoots: true, NoProbe: true})
	if scan.RootsRead != 0 {
		t.Errorf("RootsRead = %d with only a missing root", scan.RootsRead)
	}
}

func TestWorldWritableOwner(t *testing.T) {
	dir := newRoot(t)
	path := join(dir, "open.sock")
	makeStale(t, path)
	if err := os.Chmod(path, 0o777); err != nil {
		t.Fatal(err)
	}
	makeStale(t, join(dir, "closed.sock"))
	if err := os.Chmod(join(dir, "closed.sock"), 0o600); err != nil {
		t.Fatal(err)
	}
	scan, err := Discover(context.Background(), Options{Roots: []string{dir}, NoDefaultRoots: true, NoProbe: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scan.Sockets {
		switch s.Path {
		case path:
			if s.Owner == nil || !s.Owner.WorldWritable || s.Owner.Mode != "0777" {
				t.Errorf("open.sock owner = %+v, want world-writable 0777", s.Owner)
			}
		case join(dir, "closed.sock"):
			if s.Owner == nil || s.Owner.WorldWritable || s.Owner.Mode != "0600" {
				t.Errorf("closed.sock owner = %+v, want 0600", s.Owner)
			}
		}
	}
}

// TestDeniedAsAnotherUser probes a mode-0000 socket as "nobody": root may
// connect anywhere, so the check needs a child process with other
// credentials.
func TestDeniedAsAnotherUser(t *testing.T) {
	if path := os.Getenv("SOCKSCOPE_DENIED_CHILD"); path != "" {
		s := Probe(context.Background(), Socket{Path: path}, testTimeout)
		os.Stdout.WriteString("KIND=" + string(s.Kind) + "\n")
		return
	}
	dir := newRoot(t)
	path := join(dir, "locked.sock")
	startHTTP1(t, path)
	if err := os.Chmod(path, 0o000); err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		// The test binary may sit in a directory only root can enter, so the
		// child runs a world-readable copy.
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		bin := join(dir, "probe.test")
		data, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(bin, "-test.run=^TestDeniedAsAnotherUser$")
		setCredentials(t, cmd, 65534, 65534) // nobody
	} else {
		s := Probe(context.Background(), Socket{Path: path}, testTimeout)
		if s.Kind != KindDenied {
			t.Errorf("mode 0000 socket as uid %d: kind %q, want denied (hint %q)", os.Geteuid(), s.Kind, s.Hint)
		}
		return
	}
	cmd.Env = append(os.Environ(), "SOCKSCOPE_DENIED_CHILD="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("cannot run the probe as nobody here: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "KIND=denied\n") {
		t.Errorf("probe as nobody: %s, want KIND=denied", out)
	}
}

// TestDiscoverSortsPaths checks the order of sockets across directories
// whose names are prefixes of their siblings': "a/x.sock" sorts after
// "a-b.sock" and "a.sock", as the paths compare, not as the names do.
func TestDiscoverSortsPaths(t *testing.T) {
	dir := newRoot(t)
	for _, d := range []string{"a", "a0", "b"} {
		if err := os.Mkdir(join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for _, name := range []string{"a.sock", "a-b.sock", "a/x.sock", "a/y.sock", "a0/z.sock", "a0.sock", "b/a.sock", "b.sock"} {
		makeStale(t, join(dir, name))
		want = append(want, join(dir, name))
	}
	slices.Sort(want)
	scan, err := Discover(context.Background(), Options{Roots: []string{dir}, NoDefaultRoots: true, NoProbe: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range scan.Sockets {
		got = append(got, s.Path)
	}
	if !slices.Equal(got, want) {
		t.Errorf("order\n%q\nwant\n%q", got, want)
	}
	// The walk itself finds them in that order, so that discovery need
	// not sort one root's files again.
	pool := newStatPool()
	w := walker{ctx: context.Background(), maxDepth: DefaultMaxDepth, scan: &Scan{}, pool: pool}
	err = w.walkRoot(dir, dir)
	pool.wait()
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, f := range w.found {
		got = append(got, f.display)
	}
	if !slices.Equal(got, want) {
		t.Errorf("walk order\n%q\nwant\n%q", got, want)
	}
}
