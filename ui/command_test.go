package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sockscope/client"
	"sockscope/reflection"
	"sockscope/sample"
	"sockscope/sample/sampletest"
	"sockscope/session"
	"sockscope/sockets/socketstest"
)

func TestCommandLinesMaskSecrets(t *testing.T) {
	in := commandInput{
		program: "sockscope", address: "/run/a.sock", method: "pkg.S/M",
		req:      savedRequest{body: `{"a": 1}`, metadata: "authorization: Bearer abc\nx-trace: 1", deadline: "1m30s"},
		socketMD: "x-api-key: k1\ncookie: c=1",
		start:    Headers{Args: []string{"-H", "@/run/token", "--rpc-header", "x-session-token: ${TOKEN}", "-H", "x-secret: hush"}, Expand: true},
		session:  session.Config{Authority: "agent", Schema: reflection.Options{ProtoFiles: []string{"api/x.proto"}, Schema: "containerd"}},
	}
	ours, theirs := commandLines(in)
	for _, line := range []string{ours, theirs} {
		for _, secret := range []string{"abc", "k1", "c=1", "hush"} {
			if strings.Contains(line, secret) {
				t.Errorf("the secret %q is in the clear:\n%s", secret, line)
			}
		}
		for _, kept := range []string{"'authorization: " + secretMask + "'", "'x-api-key: " + secretMask + "'", "'x-trace: 1'", "'x-session-token: ${TOKEN}'"} {
			if !strings.Contains(line, kept) {
				t.Errorf("the line lacks %s:\n%s", kept, line)
			}
		}
	}
	for _, want := range []string{"-H @/run/token", "--max-time 1m30s", "--authority agent", "--proto api/x.proto", "--schema containerd", "--expand-headers"} {
		if !strings.Contains(ours, want) {
			t.Errorf("the sockscope line lacks %q:\n%s", want, ours)
		}
	}
	for _, want := range []string{"-max-time 90 ", "-authority agent", "-import-path api -proto x.proto", "-unix /run/a.sock pkg.S/M",
		"the headers of -H @/run/token: grpcurl reads none from files", "the built-in schema containerd"} {
		if !strings.Contains(theirs, want) {
			t.Errorf("the grpcurl line lacks %q:\n%s", want, theirs)
		}
	}
	in.reveal = true
	if ours, _ := commandLines(in); !strings.Contains(ours, "'authorization: Bearer abc'") || !strings.Contains(ours, "'x-api-key: k1'") {
		t.Errorf("revealed, the secrets are still masked:\n%s", ours)
	}
}

// grpcurlForTest finds grpcurl on PATH or in GOPATH/bin (.ci/run installs
// it there), or builds it from the module cache alone, with the cache as
// the module proxy: the test reaches no network.
func grpcurlForTest(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("grpcurl"); err == nil {
		return path
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	if path := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "grpcurl"); fileExists(path) {
		return path
	}
	bin := sampletest.ShortDir(t)
	modcache, _ := exec.Command("go", "env", "GOMODCACHE").Output()
	cmd := exec.Command("go", "install", "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4")
	// The cache's modules were checked when they were downloaded.
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=", "GOSUMDB=off",
		"GOPROXY=file://"+filepath.Join(strings.TrimSpace(string(modcache)), "cache", "download"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("grpcurl is not installed and not in the module cache (.ci/run installs it): %v\n%s", err, out)
	}
	return filepath.Join(bin, "grpcurl")
}

func fileExists(path string) bool { _, err := os.Stat(path); return err == nil }

// TestCopiedCommandLinesRun runs both copied lines in a shell, as pasted,
// against a server with reflection, one without (given the .proto file)
// and one on TLS that wants a client certificate, and checks each gets
// the TUI's reply.
func TestCopiedCommandLinesRun(t *testing.T) {
	bin := filepath.Join(sampletest.ShortDir(t), "sockscope")
	if out, err := exec.Command("go", "build", "-o", bin, "sockscope").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	grpcurl := grpcurlForTest(t)
	protos := sampletest.ShortDir(t)
	if err := os.CopyFS(protos, sample.ProtoTree()); err != nil {
		t.Fatal(err)
	}
	tlsAddr, tlsFiles := socketstest.ServeTLS(t, true)
	mTLS := &client.TLSOptions{CACertFile: tlsFiles.CA, CertFile: tlsFiles.ClientCert, KeyFile: tlsFiles.ClientKey}
	for _, tc := range []struct {
		name    string
		address string
		schema  reflection.Options
		tls     *client.TLSOptions
	}{
		{"reflection", startSample(t), reflection.Options{}, nil},
		{"proto file", startSampleAs(t, "plain.sock", sample.ReflectionNone), reflection.Options{ProtoFiles: []string{filepath.Join(protos, "sample/v1/echo.proto")}}, nil},
		{"mTLS", tlsAddr, reflection.Options{}, mTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, New(Options{Address: tc.address, Program: bin, Session: session.Config{Schema: tc.schema, TLS: tc.tls}}))
			h.send(tea.WindowSizeMsg{Width: 120, Height: 40}, nil)
			h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
			if h.m.explorer.session == nil {
				t.Fatalf("not connected: %v", h.m.explorer.services.err)
			}
			h.selectMethod("sample.v1.Echo/Echo")
			h.m.explorer.request.setBody(`{"message": "it's pasted"}`)
			h.m.explorer.request.metadata.SetValue("x-trace: 7")
			h.m.explorer.request.socketMD.SetValue("x-api-key: s3cret")
			h.m.explorer.request.deadline.SetValue("5s")
			m := h.send(press("y"), nil)
			if cv := m.explorer.response.commands; cv == nil || strings.Contains(cv.ours+cv.theirs, "s3cret") {
				t.Fatalf("the copied lines show the secret: %+v", cv)
			}
			m = h.send(press("v"), nil)
			cv := m.explorer.response.commands
			for _, line := range []string{cv.ours, strings.Replace(cv.theirs, "grpcurl", grpcurl, 1)} {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				out, err := exec.CommandContext(ctx, "sh", "-c", line).CombinedOutput()
				cancel()
				if err != nil {
					t.Errorf("%s\nfailed: %v\n%s", line, err, out)
					continue
				}
				for _, want := range []string{`"message": "it's pasted"`, `"x-trace": "7"`, `"x-api-key": "s3cret"`} {
					if !strings.Contains(string(out), want) {
						t.Errorf("%s\nreplied without %s:\n%s", line, want, out)
					}
				}
			}
		})
	}
}

// TestCopySaysWhatItDid: a copy says it went out as OSC 52, which the
// terminal may ignore, and names the clipboard tool it gave the text to.
func TestCopySaysWhatItDid(t *testing.T) {
	tools := sampletest.ShortDir(t)
	got := filepath.Join(tools, "copied")
	script := "#!/bin/sh\nexec /bin/cat > " + got + "\n"
	if err := os.WriteFile(filepath.Join(tools, "xclip"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", tools)
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("DISPLAY", ":0")
	var note string
	for _, msg := range runCmd(copyCmd("sockscope", "sockscope --call a/B /s.sock")) {
		if m, ok := msg.(copiedMsg); ok {
			note = m.text()
		}
	}
	if b, _ := os.ReadFile(got); string(b) != "sockscope --call a/B /s.sock" {
		t.Errorf("xclip got %q", b)
	}
	if !strings.Contains(note, "sent to the terminal as OSC 52 (the terminal may ignore it) and copied with xclip") {
		t.Errorf("the copy says %q", note)
	}
	t.Setenv("DISPLAY", "")
	for _, msg := range runCmd(copyCmd("grpcurl", "x")) {
		if m, ok := msg.(copiedMsg); ok && !strings.Contains(m.text(), "no clipboard tool") {
			t.Errorf("without a display the copy says %q", m.text())
		}
	}
}

// runCmd runs cmd and the commands of its batches, and returns the
// messages they give.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, runCmd(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// TestRevealRedraws: v in the command lines shows the secrets on screen,
// not only in the model, and v again masks them.
func TestRevealRedraws(t *testing.T) {
	h := connected(t)
	h.send(tea.WindowSizeMsg{Width: 160, Height: 50}, nil)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.socketMD.SetValue("authorization: Bearer s3cret")
	h.send(press("y"), nil)
	view := func() string { return ansi.Strip(h.m.View().Content) }
	if v := view(); !strings.Contains(v, "v shows them") {
		t.Fatalf("the command lines are not shown:\n%s", v)
	}
	h.send(press("v"), nil)
	if v := view(); !strings.Contains(v, "v masks them again") {
		t.Errorf("after v the screen still says they are masked:\n%s", v)
	}
	h.send(press("v"), nil)
	if v := view(); !strings.Contains(v, "v shows them") {
		t.Errorf("after v again the screen does not say they are masked:\n%s", v)
	}
}

// TestProgramNameRunsFromAnywhere: after `go run .` in the module's
// directory, the copied lines name sockscope so that they run from any
// shell, in whatever directory it is.
func TestProgramNameRunsFromAnywhere(t *testing.T) {
	dir := moduleDir()
	if dir == "" {
		t.Skip("no module directory above the working directory")
	}
	t.Chdir(dir)
	prog := programName()
	if !strings.HasPrefix(prog, "go -C ") {
		t.Fatalf("the test binary, built by go test like go run, is named %q", prog)
	}
	cmd := exec.Command("sh", "-c", prog+" --version")
	cmd.Dir = sampletest.ShortDir(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s --version, from another directory: %v\n%s", prog, err, out)
	}
}
