package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	grpcreflection "google.golang.org/grpc/reflection"

	"sockscope/sample"
	"sockscope/sample/samplepb"
)

func init() {
	// The test binary is not sockscope: it cannot be started to fill the
	// cache. TestCacheFilledInBackground runs the real binary for that.
	cacheFillInBackground = false
}

// completeAnswer is one answer of the hidden entry point.
type completeAnswer struct {
	candidates []string
	lines      []string // as printed, descriptions included
	directive  string
}

func completeLine(t *testing.T, shell string, pos int, words ...string) completeAnswer {
	t.Helper()
	var out bytes.Buffer
	args := append([]string{shell, strconv.Itoa(pos)}, words...)
	if code := runComplete(args, &out); code != exitOK {
		t.Fatalf("__complete exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	ans := completeAnswer{lines: lines[:len(lines)-1], directive: lines[len(lines)-1]}
	for _, l := range ans.lines {
		c, _, _ := strings.Cut(l, "\t")
		ans.candidates = append(ans.candidates, c)
	}
	return ans
}

func (a completeAnswer) has(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(a.candidates, w) {
			t.Errorf("candidates lack %q: %q", w, a.candidates)
		}
	}
}

var echoMethods = []string{
	"sample.v1.Echo/Echo", "sample.v1.Echo/Count", "sample.v1.Echo/Sum", "sample.v1.Echo/Chat",
	"sample.v1.Echo/Fail", "sample.v1.Echo/Sleep", "sample.v1.Echo/Big",
}

func TestCompleteFlagsAndValues(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", shortDir(t))
	a := completeLine(t, "zsh", 0, "--for")
	if !slices.Equal(a.candidates, []string{"--format"}) || !strings.Contains(a.lines[0], "\tReplies as 'json'") || a.directive != ":none" {
		t.Errorf("--for: %q %s", a.lines, a.directive)
	}
	if a := completeLine(t, "bash", 0, "--for"); len(a.lines) != 1 || strings.Contains(a.lines[0], "\t") {
		t.Errorf("bash gets descriptions: %q", a.lines)
	}
	a = completeLine(t, "bash", 0, "-")
	a.has(t, "-d", "-H", "--call", "--bench", "--vs", "--completion", "--tcp", "--concurrency")

	cases := []struct {
		words     []string
		want      []string
		directive string
	}{
		{[]string{"--format=j"}, []string{"--format=json", "--format=jsonl"}, ":none"},
		{[]string{"--format", ""}, []string{"json", "jsonl", "text"}, ":none"},
		{[]string{"--reflection", "v"}, []string{"v1", "v1alpha"}, ":none"},
		{[]string{"--completion", ""}, []string{"bash", "zsh", "fish"}, ":none"},
		{[]string{"--proto", ""}, nil, ":files"},
		{[]string{"--protoset=x"}, nil, ":files"},
		{[]string{"--import-path", ""}, nil, ":dirs"},
		{[]string{"--tap-out", ""}, nil, ":files"}, // every FILE, PATH and DIR flag, by its usage
		{[]string{"--collection=s"}, nil, ":files"},
		{[]string{"--listen", ""}, nil, ":files"},
		{[]string{"--root", ""}, nil, ":dirs"},
		{[]string{"--servername", ""}, nil, ":none"},
		{[]string{"-d", "@req"}, nil, ":atfiles"},
		{[]string{"-H", "authorization: x"}, nil, ":none"},
		{[]string{"--max-time", ""}, nil, ":none"},
		{[]string{"--call", ""}, nil, ":none"}, // no address on the line: nothing to ask
	}
	for _, c := range cases {
		a := completeLine(t, "bash", len(c.words)-1, c.words...)
		if !slices.Equal(a.candidates, c.want) || a.directive != c.directive {
			t.Errorf("%q: got %q %s, want %q %s", c.words, a.candidates, a.directive, c.want, c.directive)
		}
	}
	a = completeLine(t, "fish", 1, "--schema", "")
	a.has(t, "list", "containerd", "cri")

	for _, args := range [][]string{{}, {"bash"}, {"bash", "x", "--call"}, {"bash", "5", "--call"}} {
		var out bytes.Buffer
		if runComplete(args, &out) != exitOK || out.String() != ":none\n" {
			t.Errorf("malformed request %q: %q", args, out.String())
		}
	}
}

func TestCompleteMethodsAndSymbols(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", shortDir(t))
	sock := startSample(t, sample.ReflectionV1)

	a := completeLine(t, "bash", 1, "--call", "", sock)
	if !slices.Equal(a.candidates, []string{"grpc.health.v1.Health/", "sample.v1.Echo/", "sample.v1.Workloads/"}) {
		t.Errorf("services: %q", a.candidates)
	}
	// The address may stand before or after the word, as flags may.
	for _, words := range [][]string{{"--call", "sample.v1.Echo/", sock}, {sock, "--call", "sample.v1.Echo/"}, {sock, "--bench", "sample.v1.Echo/"}} {
		pos := slices.Index(words, "sample.v1.Echo/")
		a := completeLine(t, "zsh", pos, words...)
		if !slices.Equal(a.candidates, echoMethods) {
			t.Errorf("%q: %q, want the seven methods", words, a.candidates)
		}
	}
	a = completeLine(t, "bash", 2, sock, "--call", "'sample.v1.Echo/C")
	if !slices.Equal(a.candidates, []string{"sample.v1.Echo/Count", "sample.v1.Echo/Chat"}) {
		t.Errorf("quoted word: %q", a.candidates)
	}
	a = completeLine(t, "bash", 0, "--call=sample.v1.W", sock)
	if !slices.Equal(a.candidates, []string{"--call=sample.v1.Workloads/"}) {
		t.Errorf("--call=: %q", a.candidates)
	}
	a = completeLine(t, "bash", 1, "--describe", "sample.v1.Echo", sock)
	a.has(t, "sample.v1.Echo", "sample.v1.Echo/", "sample.v1.EchoRequest", "sample.v1.EchoReply")
	a = completeLine(t, "bash", 1, "--template", "sample.v1.W", sock)
	a.has(t, "sample.v1.Workloads/", "sample.v1.Workload", "sample.v1.WatchEventsRequest")
	if slices.Contains(a.candidates, "sample.v1.Workloads") {
		t.Errorf("--template offers a service, which it cannot take: %q", a.candidates)
	}
	a = completeLine(t, "bash", 1, "--describe", "sample.v1.Workload", sock)
	a.has(t, "sample.v1.Workload")
	a = completeLine(t, "bash", 1, "--describe", "sample.v1.", sock)
	a.has(t, "sample.v1.State", "sample.v1.Port.Protocol") // enums, nested ones too

	// Schema flags on the line are a source too, with no address.
	proto := filepath.Join("sample", "proto", "sample", "v1", "echo.proto")
	a = completeLine(t, "bash", 1, "--call", "sample.v1.Echo/E", "--proto", proto, "--import-path", filepath.Join("sample", "proto"))
	if !slices.Equal(a.candidates, []string{"sample.v1.Echo/Echo"}) {
		t.Errorf("from --proto: %q", a.candidates)
	}
}

func TestCompleteAddresses(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", shortDir(t))
	sock := startSample(t, sample.ReflectionV1)
	root := filepath.Dir(sock)
	a := completeLine(t, "bash", 3, "--root", root, "--no-default-roots", root+"/")
	if !slices.Equal(a.candidates, []string{sock}) || a.directive != ":files" {
		t.Errorf("address: %q %s, want %s and the shell's paths", a.candidates, a.directive, sock)
	}
	a = completeLine(t, "bash", 3, "--root", root, "--no-default-roots", "unix://"+root)
	if !slices.Equal(a.candidates, []string{"unix://" + sock}) {
		t.Errorf("unix:// address: %q", a.candidates)
	}
	a = completeLine(t, "bash", 6, "--root", root, "--no-default-roots", "--bench", "sample.v1.Echo/Echo", "--vs", root)
	if !slices.Equal(a.candidates, []string{sock}) {
		t.Errorf("--vs: %q", a.candidates)
	}
	// A relative path or host:port is left to the shell.
	if a := completeLine(t, "bash", 0, "./x"); len(a.candidates) != 0 || a.directive != ":files" {
		t.Errorf("relative path: %q %s", a.candidates, a.directive)
	}
}

// TestCompletionCache checks the second completion needs no server, that
// the cache lives in private directories and never holds a header value.
func TestCompletionCache(t *testing.T) {
	cache := shortDir(t)
	t.Setenv("XDG_CACHE_HOME", cache)
	sock := filepath.Join(shortDir(t), "s.sock")
	lis, err := sample.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := sample.NewServer(sample.Options{Token: "s3cret-t0ken"})
	go srv.Serve(lis)
	defer srv.Stop()

	header := "authorization: Bearer s3cret-t0ken"
	if a := completeLine(t, "bash", 1, "--call", "sample.v1.Echo/", sock); len(a.candidates) != 0 {
		t.Fatalf("without the token the server refuses reflection, yet: %q", a.candidates)
	}
	a := completeLine(t, "bash", 3, "-H", header, "--call", "sample.v1.Echo/", sock)
	if !slices.Equal(a.candidates, echoMethods) {
		t.Fatalf("with -H: %q", a.candidates)
	}
	dir := filepath.Join(cache, "sockscope", "completion")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache %s: %v, %d entries", dir, err, len(entries))
	}
	for _, d := range []string{filepath.Dir(dir), dir} {
		if fi, err := os.Lstat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, mode %v, want 0700", d, err, fi.Mode())
		}
	}
	entry := filepath.Join(dir, entries[0].Name())
	b, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(entry); fi.Mode().Perm() != 0o600 {
		t.Errorf("cache entry mode %v, want 0600", fi.Mode())
	}
	if bytes.Contains(b, []byte("s3cret")) || bytes.Contains(b, []byte("authorization")) {
		t.Errorf("the cache holds the header:\n%s", b)
	}

	// The server is gone, the socket file stays (a stopped daemon's does):
	// the names come from the cache.
	srv.Stop()
	a = completeLine(t, "bash", 3, "-H", header, "--call", "sample.v1.Echo/S", sock)
	if !slices.Equal(a.candidates, []string{"sample.v1.Echo/Sum", "sample.v1.Echo/Sleep"}) {
		t.Errorf("from the cache: %q", a.candidates)
	}

	// A cache directory others may write to is not used, and completion
	// goes on without it, silently.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if a := completeLine(t, "bash", 1, "--call", "sample.v1.Echo/", sock); len(a.candidates) != 0 || len(a.lines) != 0 {
		t.Errorf("an open cache directory was read: %q", a.lines)
	}
}

// serveSlowReflection serves sample.v1.Echo whose reflection answers only
// after delay, like a server busy at start-up.
func serveSlowReflection(t *testing.T, delay time.Duration) string {
	t.Helper()
	sock := filepath.Join(shortDir(t), "slow.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if strings.HasPrefix(info.FullMethod, "/grpc.reflection.") {
			select {
			case <-time.After(delay):
			case <-ss.Context().Done():
				return ss.Context().Err()
			}
		}
		return handler(srv, ss)
	}))
	samplepb.RegisterEchoServer(srv, samplepb.UnimplementedEchoServer{})
	grpcreflection.Register(srv)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return sock
}

// TestCompletionGivesUpOnSlowServer: past the budget, the answer is what
// there is (nothing yet), with no error in it.
func TestCompletionGivesUpOnSlowServer(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", shortDir(t))
	sock := serveSlowReflection(t, time.Minute)
	a := completeLine(t, "bash", 1, "--call", "sample.v1.Echo/", sock)
	if len(a.lines) != 0 || a.directive != ":none" {
		t.Errorf("slow server: %q %s, want an empty answer", a.lines, a.directive)
	}
}

// TestCacheFilledInBackground runs the real binary: a completion that runs
// out of budget leaves a process that finishes the look-up, and the next
// completion is answered from the cache.
func TestCacheFilledInBackground(t *testing.T) {
	bin := buildSockscope(t)
	cache := shortDir(t)
	sock := serveSlowReflection(t, time.Second)
	complete := func() string {
		cmd := exec.Command(bin, "__complete", "bash", "3", "-H", "x-token: s3cret", "--call", "sample.v1.Echo/", sock)
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("__complete: %v", err)
		}
		return string(out)
	}
	if out := complete(); out != ":none\n" {
		t.Fatalf("first completion: %q, want nothing yet", out)
	}
	// The look-up goes on in a process of its own, which must not show the
	// header in its argument list while reflection keeps it waiting.
	if procs, _ := filepath.Glob("/proc/[0-9]*/cmdline"); len(procs) > 0 {
		filler := false
		for _, p := range procs {
			b, _ := os.ReadFile(p)
			if bytes.HasPrefix(b, []byte(bin+"\x00")) {
				filler = filler || bytes.Contains(b, []byte(fillCommand))
				if bytes.Contains(b, []byte("s3cret")) {
					t.Errorf("a process shows the header in its arguments: %q", b)
				}
			}
		}
		if !filler {
			t.Log("the background look-up had ended before its arguments could be read")
		}
	}
	dir := filepath.Join(cache, "sockscope", "completion")
	deadline := time.Now().Add(30 * time.Second)
	for {
		entries, _ := os.ReadDir(dir)
		if slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".json") }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no cache entry appeared")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out := complete(); !strings.Contains(out, "sample.v1.Echo/Echo\n") {
		t.Errorf("second completion: %q, want the methods", out)
	}
}
