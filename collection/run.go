package collection

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc/metadata"

	"sockscope/session"
)

// DefaultDeadline bounds a request that sets no deadline, so a server that
// never answers fails that request instead of holding a CI job.
const DefaultDeadline = 30 * time.Second

// RunOptions are what running a collection needs besides the file.
type RunOptions struct {
	// Session is how each address is opened; its Address is set per request.
	Session session.Config
	// Address, when set, replaces the file's default address (a request's
	// own address still wins).
	Address string
	// Header goes with every call, under each request's own headers (a
	// request's header replaces one of the same key).
	Header metadata.MD
	// Vars are --var's: they replace the file's vars of the same name.
	Vars map[string]string
	// Only names the requests to run; empty runs them all.
	Only []string
	// LookupEnv reads the environment (os.LookupEnv when nil).
	LookupEnv func(string) (string, bool)
	// MaxMsgSize bounds a reply, as --max-msg-size; 0 leaves gRPC's default.
	MaxMsgSize int
	// OnResult, when set, is called with each result as it is known, in
	// order, so progress prints while later requests run.
	OnResult func(Result)
}

// Result is how one request fared.
type Result struct {
	Name   string
	Method string
	Passed bool
	// Took is how long the call took (not the connect or schema look-up).
	Took time.Duration
	// Failure says on one line why the request failed: "code NotFound, want
	// OK", the jq expression that did not hold, the input that did not fit.
	Failure string
	// Detail is more for a report: the status with its details, the value
	// jq gave.
	Detail string
}

// Summary is a whole run.
type Summary struct {
	Results        []Result
	Passed, Failed int
	// NotRun names the selected requests a cancelled run did not reach.
	NotRun []string
}

// Run runs f's requests in order (those Only names, when set), checks what
// each expects and applies its captures. Everything that can be known
// before a call is checked first: an unknown --only name, a ${VAR} nothing
// sets, a jq variable that does not exist, a request with no address each
// stop the run before anything is sent, as a *FileError (or an error
// wrapping ErrNoRequest). A request that fails does not stop the run; a
// cancelled ctx does, and the requests not reached are named in NotRun.
func Run(ctx context.Context, f *File, opts RunOptions) (Summary, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	selected, err := f.selected(opts.Only)
	if err != nil {
		return Summary{}, err
	}
	r := &runner{file: f, opts: opts, sessions: map[string]opened{}, lostCaptures: map[string]string{}}
	defer r.close()
	if err := r.prepare(selected); err != nil {
		return Summary{}, err
	}
	var sum Summary
	for i, req := range selected {
		if ctx.Err() != nil {
			for _, rest := range selected[i:] {
				sum.NotRun = append(sum.NotRun, rest.Name.Raw)
			}
			break
		}
		res := r.run(ctx, req)
		if res.Passed {
			sum.Passed++
		} else {
			sum.Failed++
			for _, c := range req.Capture {
				if _, made := r.captured[c.Name]; !made {
					r.lostCaptures[c.Name] = req.Name.Raw
				}
			}
		}
		sum.Results = append(sum.Results, res)
		if opts.OnResult != nil {
			opts.OnResult(res)
		}
	}
	return sum, nil
}

func (f *File) selected(only []string) ([]*Request, error) {
	if len(f.Requests) == 0 {
		return nil, &FileError{Path: f.Path, Problem: "the collection holds no requests"}
	}
	if len(only) == 0 {
		out := make([]*Request, len(f.Requests))
		for i := range f.Requests {
			out[i] = &f.Requests[i]
		}
		return out, nil
	}
	want := map[string]bool{}
	for _, name := range only {
		if _, ok := f.Find(name); !ok {
			return nil, fmt.Errorf("--only %s: %w in %s (it has %s)", name, ErrNoRequest, f.Path, strings.Join(f.names(), ", "))
		}
		want[name] = true
	}
	var out []*Request
	for i := range f.Requests {
		if want[f.Requests[i].Name.Raw] {
			out = append(out, &f.Requests[i])
		}
	}
	return out, nil
}

func (f *File) names() []string {
	names := make([]string, len(f.Requests))
	for i, r := range f.Requests {
		names[i] = r.Name.Raw
	}
	return names
}

// opened is an address opened once for all the requests that use it.
type opened struct {
	s   *session.Session
	err error
}

type runner struct {
	file     *File
	opts     RunOptions
	fileVars map[string]string
	captured map[string]any
	// lostCaptures names, for each capture not made, the request that
	// failed before making it.
	lostCaptures map[string]string
	sessions     map[string]opened
}

func (r *runner) close() {
	for _, o := range r.sessions {
		if o.s != nil {
			o.s.Close()
		}
	}
}

// lookup is the value of a variable: a capture, then --var, then the
// file's vars, then the environment.
func (r *runner) lookup(name string) (any, bool) {
	if v, ok := r.captured[name]; ok {
		return v, true
	}
	if v, ok := r.opts.Vars[name]; ok {
		return v, true
	}
	if v, ok := r.fileVars[name]; ok {
		return v, true
	}
	if v, ok := r.opts.LookupEnv(name); ok {
		return v, true
	}
	return nil, false
}

// prepare expands the file's vars and checks every selected request
// before any is sent.
func (r *runner) prepare(selected []*Request) error {
	r.fileVars = map[string]string{}
	r.captured = map[string]any{}
	for _, v := range r.file.Vars {
		if _, set := r.opts.Vars[v.Name]; set {
			continue
		}
		value, err := expandText(v.Value.Raw, r.lookup)
		if err != nil {
			return r.fileError(v.Value.Pos, "vars.%s: %v", v.Name, err)
		}
		r.fileVars[v.Name] = value
	}
	capturedBy := map[string]string{}
	for i := range r.file.Requests {
		for _, c := range r.file.Requests[i].Capture {
			if _, ok := capturedBy[c.Name]; !ok {
				capturedBy[c.Name] = r.file.Requests[i].Name.Raw
			}
		}
	}
	will := map[string]bool{} // captured by a selected request before this one
	for _, req := range selected {
		if err := r.check(req, will, capturedBy); err != nil {
			return err
		}
		for _, c := range req.Capture {
			will[c.Name] = true
		}
	}
	return nil
}

func (r *runner) fileError(p Pos, format string, args ...any) error {
	return &FileError{Path: r.file.Path, Pos: p, Problem: fmt.Sprintf(format, args...)}
}

// check finds, before anything runs, what would make req fail for a reason
// in the file rather than in the server.
func (r *runner) check(req *Request, will map[string]bool, capturedBy map[string]string) error {
	known := func(name string) bool {
		_, ok := r.lookup(name)
		return ok || will[name]
	}
	undefined := func(p Pos, name string) error {
		if by, ok := capturedBy[name]; ok {
			return r.fileError(p, "request %q uses ${%s}, which request %q captures, but that one does not run before it (add --only %s)", req.Name.Raw, name, by, by)
		}
		return r.fileError(p, "request %q uses ${%s}, which is not set (in vars, by --var, in the environment or by a capture of an earlier request)", req.Name.Raw, name)
	}
	texts := []Text{req.Method}
	address := r.address(req)
	if address.Raw == "" {
		return r.fileError(req.Pos, "request %q has no address: give address: in the file or in the request, or ADDRESS on the command line", req.Name.Raw)
	}
	texts = append(texts, address)
	for _, h := range req.Headers {
		texts = append(texts, h.Value)
	}
	for _, t := range texts {
		for _, name := range references(t.Raw) {
			if !known(name) {
				return undefined(t.Pos, name)
			}
		}
	}
	for _, m := range req.Body.Messages {
		for _, name := range valueReferences(m.Value) {
			if !known(name) {
				return undefined(m.Pos, name)
			}
		}
	}
	names := r.jqNames(will)
	for _, x := range r.exprs(req) {
		if _, err := compile(x, names); err != nil {
			return r.fileError(x.Pos, "request %q: jq %q: %v", req.Name.Raw, x.Text, err)
		}
	}
	return nil
}

// address is where req goes: its own address, else the command line's,
// else the file's.
func (r *runner) address(req *Request) Text {
	switch {
	case req.Address.Raw != "":
		return req.Address
	case r.opts.Address != "":
		return Text{Raw: escapeRefs(r.opts.Address)}
	}
	return r.file.Address
}

func (r *runner) exprs(req *Request) []Expr {
	out := append([]Expr(nil), req.Expect.JQ...)
	for _, c := range req.Capture {
		out = append(out, c.Expr)
	}
	return out
}

// jqNames are the variables jq expressions may use: $status and every
// variable set so far, sorted.
func (r *runner) jqNames(will map[string]bool) []string {
	seen := map[string]bool{}
	for _, m := range []map[string]string{r.opts.Vars, r.fileVars} {
		for k := range m {
			seen[k] = true
		}
	}
	for k := range r.captured {
		seen[k] = true
	}
	for k := range will {
		seen[k] = true
	}
	delete(seen, "status")
	names := make([]string, 0, len(seen)+1)
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	return append([]string{"status"}, names...)
}

// session opens address once for the requests that send the same
// headers of their own: those go with reflection too, as -H's do, since a
// server that checks credentials checks them on every RPC. A failure is
// kept, so every such request fails at once with the same reason.
func (r *runner) session(ctx context.Context, address string, own metadata.MD) (*session.Session, error) {
	key := address + "\x00" + headerKey(own)
	if o, ok := r.sessions[key]; ok {
		return o.s, o.err
	}
	cfg := r.opts.Session
	cfg.Address = address
	cfg.ReflectionHeader = onTop(cfg.ReflectionHeader, own)
	s, err := session.Open(ctx, cfg)
	if err != nil && ctx.Err() != nil {
		return nil, err // cut short: not the address's fault
	}
	r.sessions[key] = opened{s, err}
	return s, err
}

// onTop is base with top's keys replacing base's.
func onTop(base, top metadata.MD) metadata.MD {
	md := base.Copy()
	if md == nil {
		md = metadata.MD{}
	}
	for k, v := range top {
		md[k] = v
	}
	return md
}

func headerKey(md metadata.MD) string {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range md[k] {
			b.WriteString(k + "\x00" + v + "\x00")
		}
	}
	return b.String()
}

// undefined says why a variable a request uses is not set when a capture
// that would have set it was lost to a failed request.
func (r *runner) undefined(err error) error {
	var ue *UndefinedError
	if errors.As(err, &ue) {
		ue.LostTo = r.lostCaptures[ue.Name]
	}
	return err
}

// failure is the one line a failed session or look-up gives, with its
// first hint.
func failure(err error) string {
	msg := err.Error()
	if hints := session.Hints(err); len(hints) > 0 {
		msg += " (hint: " + hints[0] + ")"
	}
	return msg
}
