package collection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"sockscope/client"
	"sockscope/internal/secret"
)

// seqKind is how the file writes its requests list, which decides how a
// request is added to it.
type seqKind int

const (
	seqMissing   seqKind = iota // no requests key
	seqNull                     // requests: with nothing after it
	seqEmptyFlow                // requests: []
	seqFlow                     // requests: [{…}, …]
	seqBlock                    // requests: followed by "- " entries
)

type fileLayout struct {
	requestsKey Pos
	requests    seqKind
}

// entryLayout is where a request's parts stand in the file.
type entryLayout struct {
	dash Pos  // its "-" in a block list; zero in a flow list
	flow bool // written as {…}
	keys map[string]Pos
}

// ErrExists is returned (wrapped) by Save when the collection already
// holds a request of the draft's name and SaveOptions.Replace is not set:
// the caller asks the user, then saves again with Replace.
var ErrExists = errors.New("the collection already has a request of that name")

// SecretsError is returned by Save for a draft whose secret-looking headers
// (secret.IsSecretName) hold values rather than ${VAR} references; Keys
// names them. Nothing is written: the caller asks the user for a variable
// name for each and saves SecretReference(key, value, name) instead.
type SecretsError struct{ Keys []string }

func (e *SecretsError) Error() string {
	return fmt.Sprintf("the values of %s look secret and are not saved in the clear: name a variable for each, to be saved as ${NAME}", strings.Join(e.Keys, ", "))
}

func isSecret(key string) bool { return secret.IsSecretName(key) }

// secretReferenceForm is what a secret header may be saved as: ${NAME},
// or an authorization scheme and ${NAME}.
var secretReferenceForm = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_-]* )?\$\{[A-Za-z_][A-Za-z0-9_]*\}$`)
})

// SecretReference is what to save for a secret header's value: ${name},
// keeping the scheme of an authorization value ("Bearer ${name}"), so the
// variable holds the credential alone.
func SecretReference(key, value, name string) string {
	ref := "${" + name + "}"
	if strings.Contains(strings.ToLower(key), "authorization") {
		if scheme, rest, ok := strings.Cut(value, " "); ok && rest != "" && regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`).MatchString(scheme) {
			return scheme + " " + ref
		}
	}
	return ref
}

// SaveOptions tune Save.
type SaveOptions struct {
	// Replace replaces a request of the same name instead of failing with
	// ErrExists. What the request expects and captures is kept.
	Replace bool
	// LookupEnv expands the file's address to tell whether the draft's is
	// the same (os.LookupEnv when nil).
	LookupEnv func(string) (string, bool)
}

// Save writes d into the collection at path, creating the file when it
// does not exist. Everything else in the file stays as it was, comments
// and layout included: a new request is added after the last, a replaced
// one has its method, address, headers, body and deadline rewritten in
// place. The draft's address is written with the request only when it
// differs from the file's. The result is read back before it replaces
// the file (by renaming a file written beside it), so a save never leaves
// a collection that does not load. A file that does not parse is not
// touched; the error is a *FileError.
func Save(path string, d Draft, opts SaveOptions) error {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if err := d.check(); err != nil {
		return err
	}
	target, err := resolveTarget(path)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(target)
	var out []byte
	switch {
	case errors.Is(err, fs.ErrNotExist):
		out, err = newFileText(d)
	case err != nil:
		return fmt.Errorf("collection: %w", err)
	default:
		out, err = updatedText(path, src, d, opts)
	}
	if err != nil {
		return err
	}
	if err := verify(path, src, out, d); err != nil {
		return err
	}
	return writeBeside(target, out)
}

func (d Draft) check() error {
	switch {
	case strings.TrimSpace(d.Name) == "":
		return errors.New("save: the request needs a name")
	case strings.TrimSpace(d.Method) == "":
		return errors.New("save: the request needs a method")
	}
	var secrets []string
	for _, h := range d.Headers {
		if _, err := client.ParseHeaders([]string{h.Key + ":"}); err != nil {
			return fmt.Errorf("save: %w", err)
		}
		if isSecret(h.Key) && !secretReferenceForm().MatchString(h.Value) {
			secrets = append(secrets, h.Key)
		}
	}
	if len(secrets) > 0 {
		return &SecretsError{Keys: secrets}
	}
	for i, m := range d.Body {
		if t := bytes.TrimSpace(m); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
			return fmt.Errorf("save: body message %d is not a JSON object", i+1)
		}
	}
	return nil
}

// resolveTarget follows a symlink to the collection, so that the rename
// replaces the file it names rather than the link.
func resolveTarget(path string) (string, error) {
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("collection: %w", err)
	}
	return target, nil
}

func newFileText(d Draft) ([]byte, error) {
	fields, err := renderedFields(d, 4, false)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("# sockscope collection: run it with sockscope --run " + DefaultFile + "\n")
	b.WriteString("address: " + yamlString(escapeRefs(d.Address)) + "\n")
	b.WriteString("requests:\n")
	b.WriteString(entryText(fields, 2))
	return []byte(b.String()), nil
}

func updatedText(path string, src []byte, d Draft, opts SaveOptions) ([]byte, error) {
	f, err := Parse(path, src)
	if err != nil {
		return nil, err
	}
	own := !f.sameAddress(d.Address, opts.LookupEnv)
	text := newText(src)
	if existing, ok := f.Find(d.Name); ok {
		if !opts.Replace {
			return nil, fmt.Errorf("save %q into %s: %w", d.Name, path, ErrExists)
		}
		if f.layout.requests != seqBlock {
			return nil, fmt.Errorf("save %q into %s: its requests are written as a [...] list; write them as a block list (- name: ...) to save into it", d.Name, path)
		}
		return text.replace(existing, d, own)
	}
	switch f.layout.requests {
	case seqBlock:
		last := &f.Requests[len(f.Requests)-1]
		fields, err := renderedFields(d, last.layout.dash.Column+1, own)
		if err != nil {
			return nil, err
		}
		return text.insertAfter(text.entryEnd(last), entryText(fields, last.layout.dash.Column-1)), nil
	case seqMissing:
		fields, err := renderedFields(d, 4, own)
		if err != nil {
			return nil, err
		}
		return text.insertAfter(len(text.src), "requests:\n"+entryText(fields, 2)), nil
	case seqNull, seqEmptyFlow:
		col := f.layout.requestsKey.Column
		fields, err := renderedFields(d, col+3, own)
		if err != nil {
			return nil, err
		}
		start := text.lineStart(f.layout.requestsKey.Line)
		end := text.lineEnd(f.layout.requestsKey.Line)
		return text.splice(start, end, strings.Repeat(" ", col-1)+"requests:\n"+entryText(fields, col+1)), nil
	}
	return nil, fmt.Errorf("save %q into %s: its requests are written as a [...] list; write them as a block list (- name: ...) to save into it", d.Name, path)
}

// sameAddress says whether addr is the file's default address, once that
// is expanded.
func (f *File) sameAddress(addr string, lookupEnv func(string) (string, bool)) bool {
	if f.Address.Raw == "" {
		return false
	}
	fileAddr, err := f.expandDefault(f.Address.Raw, lookupEnv)
	return err == nil && canonical(fileAddr) == canonical(addr)
}

// verify reads the new text back: it must load, hold the draft as
// written, and hold every other request as before.
func verify(path string, before, after []byte, d Draft) error {
	f, err := Parse(path, after)
	if err != nil {
		return fmt.Errorf("save %q: the result would not load (%v); the file is left as it was", d.Name, err)
	}
	saved, ok := f.Find(d.Name)
	if !ok || saved.Method.Raw != escapeRefs(d.Method) || saved.Deadline != d.Deadline || len(saved.Body.Messages) != len(d.Body) {
		return fmt.Errorf("save %q: the request did not read back as saved; the file is left as it was", d.Name)
	}
	for i, m := range saved.Body.Messages {
		var want any
		json.Unmarshal([]byte(escapeRefs(string(d.Body[i]))), &want)
		if canonicalJSON(m.Value) != canonicalJSON(want) {
			return fmt.Errorf("save %q: body message %d did not read back as saved; the file is left as it was", d.Name, i+1)
		}
	}
	if before == nil {
		return nil
	}
	old, err := Parse(path, before)
	if err != nil {
		return err
	}
	if fingerprint(old, d.Name) != fingerprint(f, d.Name) {
		return fmt.Errorf("save %q: the rest of the file did not read back unchanged; the file is left as it was", d.Name)
	}
	return nil
}

// fingerprint is what a file says, but for the request called except.
func fingerprint(f *File, except string) string {
	type req struct {
		Name, Method, Address, Deadline, Code string
		Headers                               []string
		Body                                  []string
		JQ, Capture                           []string
	}
	var reqs []req
	for _, r := range f.Requests {
		if r.Name.Raw == except {
			continue
		}
		x := req{Name: r.Name.Raw, Method: r.Method.Raw, Address: r.Address.Raw, Deadline: r.DeadlineText.Raw, Code: r.Expect.CodeText}
		for _, h := range r.Headers {
			x.Headers = append(x.Headers, h.Key+"="+h.Value.Raw)
		}
		for _, m := range r.Body.Messages {
			x.Body = append(x.Body, canonicalJSON(m.Value))
		}
		for _, e := range r.Expect.JQ {
			x.JQ = append(x.JQ, e.Text)
		}
		for _, c := range r.Capture {
			x.Capture = append(x.Capture, c.Name+"="+c.Expr.Text)
		}
		reqs = append(reqs, x)
	}
	vars := make([]string, len(f.Vars))
	for i, v := range f.Vars {
		vars[i] = v.Name + "=" + v.Value.Raw
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Name < reqs[j].Name })
	b, _ := json.Marshal(struct {
		Address  string
		Vars     []string
		Requests []req
	}{f.Address.Raw, vars, reqs})
	return string(b)
}

func canonicalJSON(v any) string {
	b, _ := json.Marshal(v)
	var back any
	json.Unmarshal(b, &back)
	b, _ = json.Marshal(back)
	return string(b)
}

// writeBeside writes data to a new file beside path and renames it over
// path, keeping the old file's mode, so a crash mid-write leaves the old
// collection whole.
func writeBeside(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save collection: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("save collection %s: %w", path, err)
	}
	return nil
}
