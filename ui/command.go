package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"sockscope/client"
	"sockscope/internal/secret"
	"sockscope/reflection"
	"sockscope/session"
)

// commandInput is everything a copied command line says: the request as
// typed, and every flag the session uses.
type commandInput struct {
	program         string // how the user runs sockscope
	address, method string
	req             savedRequest
	socketMD        string
	start           Headers
	session         session.Config
	extraSchema     reflection.Options // loaded with ctrl+o
	maxMsgSize      int
	reveal          bool // secret-looking values shown, not masked
}

// secretMask stands in for a secret-looking header's value.
const secretMask = secret.Mask

// commandLines renders a request as a sockscope command line and the
// grpcurl one, each on one line, to run as pasted: the schema flags,
// --authority, the headers as they were given (a secret-looking value
// masked unless in.reveal), the deadline and the TLS flags in each tool's
// syntax.
func commandLines(in commandInput) (ours, grpcurl string) {
	body := string(client.CompactJSON([]byte(in.req.body)))
	var headers []string
	for _, text := range []string{in.socketMD, in.req.metadata} {
		for _, line := range metadataLines(text) {
			headers = append(headers, maskHeader(line, in.reveal))
		}
	}
	startArgs := make([]string, len(in.start.Args))
	copy(startArgs, in.start.Args)
	for i := 1; i < len(startArgs); i += 2 {
		startArgs[i] = maskHeader(startArgs[i], in.reveal)
	}
	var deadline time.Duration
	if d := strings.TrimSpace(in.req.deadline); d != "" && d != "none" {
		deadline, _ = time.ParseDuration(d)
	}
	schema := in.session.Schema
	schema.ProtoFiles = append(append([]string(nil), schema.ProtoFiles...), in.extraSchema.ProtoFiles...)
	schema.ImportPaths = append(append([]string(nil), schema.ImportPaths...), in.extraSchema.ImportPaths...)
	schema.Protosets = append(append([]string(nil), schema.Protosets...), in.extraSchema.Protosets...)

	o := []string{in.program, "--call", in.method}
	if body != "" && body != "{}" {
		o = append(o, "-d", shellQuote(body))
	}
	for i := 0; i+1 < len(startArgs); i += 2 {
		o = append(o, startArgs[i], shellQuote(startArgs[i+1]))
	}
	if in.start.Expand {
		o = append(o, "--expand-headers")
	}
	for _, h := range headers {
		o = append(o, "-H", shellQuote(h))
	}
	if deadline > 0 {
		o = append(o, "--max-time", deadline.String())
	}
	if in.session.Authority != "" {
		o = append(o, "--authority", shellQuote(in.session.Authority))
	}
	if t := in.session.ConnectTimeout; t > 0 && t != client.DefaultConnectTimeout {
		o = append(o, "--connect-timeout", t.String())
	}
	for _, f := range schema.ProtoFiles {
		o = append(o, "--proto", shellQuote(f))
	}
	for _, dir := range schema.ImportPaths {
		o = append(o, "--import-path", shellQuote(dir))
	}
	for _, f := range schema.Protosets {
		o = append(o, "--protoset", shellQuote(f))
	}
	if schema.Schema != "" {
		o = append(o, "--schema", shellQuote(schema.Schema))
	}
	for _, f := range in.session.TLS.Flags() {
		o = append(o, shellQuote(f))
	}
	if in.maxMsgSize > 0 && in.maxMsgSize != client.DefaultMaxMsgSize {
		o = append(o, "--max-msg-size", strconv.Itoa(in.maxMsgSize))
	}
	o = append(o, shellQuote(in.address))

	g := []string{"grpcurl"}
	// Without TLS flags grpcurl dials TLS, so plaintext must be said.
	for _, f := range in.session.TLS.GrpcurlFlags() {
		g = append(g, shellQuote(f))
	}
	if body != "" {
		g = append(g, "-d", shellQuote(body))
	}
	var notes []string
	for i := 0; i+1 < len(startArgs); i += 2 {
		if strings.HasPrefix(startArgs[i+1], "@") {
			// grpcurl takes no header files; the secret stays where it is.
			notes = append(notes, "the headers of "+startArgs[i]+" "+startArgs[i+1]+": grpcurl reads none from files")
			continue
		}
		g = append(g, "-"+strings.TrimLeft(startArgs[i], "-"), shellQuote(startArgs[i+1]))
	}
	if in.start.Expand {
		g = append(g, "-expand-headers")
	}
	for _, h := range headers {
		g = append(g, "-H", shellQuote(h))
	}
	if deadline > 0 {
		// grpcurl takes seconds, not a Go duration.
		g = append(g, "-max-time", strconv.FormatFloat(deadline.Seconds(), 'f', -1, 64))
	}
	if in.session.Authority != "" {
		g = append(g, "-authority", shellQuote(in.session.Authority))
	}
	if t := in.session.ConnectTimeout; t > 0 && t != client.DefaultConnectTimeout {
		g = append(g, "-connect-timeout", strconv.FormatFloat(t.Seconds(), 'f', -1, 64))
	}
	g = append(g, grpcurlSchemaFlags(schema)...)
	if schema.Schema != "" {
		notes = append(notes, "the built-in schema "+schema.Schema+": grpcurl has none (sockscope --list --protoset-out FILE writes it for -protoset)")
	}
	if in.maxMsgSize > 0 && in.maxMsgSize != client.DefaultMaxMsgSize {
		g = append(g, "-max-msg-sz", strconv.Itoa(in.maxMsgSize))
	}
	if t, err := client.ParseAddress(in.address); err == nil && t.Network == "unix" {
		g = append(g, "-unix", shellQuote(t.Address))
	} else {
		g = append(g, shellQuote(in.address))
	}
	g = append(g, in.method)
	grpcurl = strings.Join(g, " ")
	if len(notes) > 0 {
		grpcurl += "  # and " + strings.Join(notes, "; ")
	}
	return strings.Join(o, " "), grpcurl
}

// grpcurlSchemaFlags say what the schema flags say, in grpcurl's words:
// a .proto file given without import paths is found, as sockscope finds
// it, from its own directory.
func grpcurlSchemaFlags(schema reflection.Options) []string {
	var g []string
	for _, dir := range schema.ImportPaths {
		g = append(g, "-import-path", shellQuote(dir))
	}
	for _, f := range schema.ProtoFiles {
		if len(schema.ImportPaths) == 0 {
			g = append(g, "-import-path", shellQuote(filepath.Dir(f)), "-proto", shellQuote(filepath.Base(f)))
			continue
		}
		g = append(g, "-proto", shellQuote(f))
	}
	for _, f := range schema.Protosets {
		g = append(g, "-protoset", shellQuote(f))
	}
	return g
}

// maskHeader hides the value of a secret-looking `key: value` line unless
// reveal; a header file (@file) and a value read from the environment
// (${NAME}) say no secret and are kept as they are.
func maskHeader(line string, reveal bool) string {
	name, value, ok := strings.Cut(line, ":")
	if reveal || !ok || strings.HasPrefix(line, "@") || strings.Contains(value, "${") || !secret.IsSecretName(strings.TrimSpace(name)) {
		return line
	}
	return name + ": " + secretMask
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// programName is how the user can run sockscope again: the executable's
// path (its name alone when that is what PATH finds), or, for a binary
// `go run` built in a temporary directory, go run and the module's
// directory.
func programName() string {
	exe, err := os.Executable()
	if err != nil {
		return "sockscope"
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		dir := moduleDir()
		if dir == "" {
			return "sockscope"
		}
		// go run DIR works only from inside the module; go -C DIR works
		// from any shell, and resolves relative paths in the line as this
		// process did when it runs from DIR itself.
		if wd, err := os.Getwd(); err == nil && sameFile(wd, dir) {
			return "go -C " + shellQuote(dir) + " run ."
		}
		return "go run " + shellQuote(dir)
	}
	if found, err := exec.LookPath(filepath.Base(exe)); err == nil && sameFile(found, exe) {
		return filepath.Base(exe)
	}
	return shellQuote(exe)
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// moduleDir is the directory of the main module's go.mod, found upwards
// from the working directory, "" when there is none.
func moduleDir() string {
	info, ok := debug.ReadBuildInfo()
	dir, err := os.Getwd()
	if !ok || err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && f[1] == info.Main.Path {
					return dir
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// copyCommand shows the request as sockscope and grpcurl command lines
// and copies the sockscope one.
func (e explorerPage) copyCommand() (explorerPage, tea.Cmd) {
	md := e.services.selected()
	if md == nil {
		return e, nil
	}
	in := commandInput{
		program: e.opts.Program, address: e.address, method: reflection.MethodName(md),
		req: e.request.saved(), socketMD: e.request.socketMD.Value(), start: e.opts.Headers,
		session: e.opts.Session, extraSchema: e.state().schema, maxMsgSize: e.opts.MaxMsgSize,
	}
	if in.program == "" {
		in.program = programName()
	}
	return e, e.response.showCommands(in)
}
