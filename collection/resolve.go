package collection

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"time"

	"sockscope/history"
)

func canonical(addr string) string { return history.CanonicalAddress(addr) }

// staticLookup is the variables known without running anything: vars
// (their values expanded in order), then the environment; vars given on
// the command line come first when set.
func (f *File) staticLookup(flags map[string]string, lookupEnv func(string) (string, bool)) Lookup {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	fileVars := map[string]string{}
	lookup := func(name string) (any, bool) {
		if v, ok := flags[name]; ok {
			return v, true
		}
		if v, ok := fileVars[name]; ok {
			return v, true
		}
		if v, ok := lookupEnv(name); ok {
			return v, true
		}
		return nil, false
	}
	for _, v := range f.Vars {
		if value, err := expandText(v.Value.Raw, lookup); err == nil {
			fileVars[v.Name] = value
		}
	}
	return lookup
}

func (f *File) expandDefault(raw string, lookupEnv func(string) (string, bool)) (string, error) {
	return expandText(raw, f.staticLookup(nil, lookupEnv))
}

// RequestsFor are the requests that go to addr (their own address, or the
// file's, once expanded, names the same socket): what the TUI lists for
// the open socket. A request whose address cannot be expanded without
// running (it uses a capture) is left out.
func (f *File) RequestsFor(addr string, lookupEnv func(string) (string, bool)) []*Request {
	lookup := f.staticLookup(nil, lookupEnv)
	want := canonical(addr)
	var out []*Request
	for i := range f.Requests {
		r := &f.Requests[i]
		raw := r.Address.Raw
		if raw == "" {
			raw = f.Address.Raw
		}
		if a, err := expandText(raw, lookup); err == nil && raw != "" && canonical(a) == want {
			out = append(out, r)
		}
	}
	return out
}

// Resolved is a request with its variables expanded, as a frontend loads
// it into its editor.
type Resolved struct {
	Address string
	Method  string
	Headers []HeaderLine
	// Body holds each message as indented JSON.
	Body     []string
	Deadline time.Duration
}

// Resolve expands r's ${VAR}s from the file's vars, vars (as --var gives
// them) and the environment. A variable only a capture sets is an
// *UndefinedError, since nothing has run. Secret headers are expanded too:
// the caller sends them, and must not save or show them in the clear.
func (f *File) Resolve(r *Request, vars map[string]string, lookupEnv func(string) (string, bool)) (Resolved, error) {
	lookup := f.staticLookup(vars, lookupEnv)
	var out Resolved
	var err error
	raw := r.Address.Raw
	if raw == "" {
		raw = f.Address.Raw
	}
	if out.Address, err = expandText(raw, lookup); err != nil {
		return out, err
	}
	if out.Method, err = expandText(r.Method.Raw, lookup); err != nil {
		return out, err
	}
	for _, h := range r.Headers {
		v, err := expandText(h.Value.Raw, lookup)
		if err != nil {
			return out, err
		}
		out.Headers = append(out.Headers, HeaderLine{Key: h.Key, Value: v})
	}
	for _, m := range r.Body.Messages {
		v, err := expandValue(m.Value, lookup)
		if err != nil {
			return out, err
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return out, err
		}
		out.Body = append(out.Body, string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))))
	}
	out.Deadline = r.Deadline
	return out, nil
}

// FromEntry is a history entry as a draft to save under name: its masked
// headers come out as history.Masked, which Save refuses (a
// *SecretsError) until the caller replaces each with SecretReference.
func FromEntry(e history.Entry, name string) Draft {
	d := Draft{Name: name, Address: e.Address, Method: e.Method, Deadline: e.Deadline()}
	keys := make([]string, 0, len(e.Metadata))
	for k := range e.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range e.Metadata[k] {
			d.Headers = append(d.Headers, HeaderLine{Key: k, Value: v})
		}
	}
	for _, r := range e.Requests {
		d.Body = append(d.Body, json.RawMessage(r))
	}
	return d
}
