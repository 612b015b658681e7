package collection

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Recorded is a call as a tap saw it, in the terms a collection keeps:
// what the client sent and how the call ended. A frontend fills it from
// the tap's events or from a --tap-out recording.
type Recorded struct {
	// Method is "pkg.Service/Method".
	Method string
	// Protocol is the tap's ("grpc", "ttrpc", "http2"); only gRPC calls
	// can be run again.
	Protocol string
	// Metadata is the request's, secret-looking values already masked.
	Metadata map[string][]string
	// Requests are the request messages the tap decoded, as JSON; a
	// message it could not decode is missing.
	Requests []json.RawMessage
	// RequestCount and ResponseCount are the messages each way.
	RequestCount, ResponseCount int
	// OK says the call ended with status OK.
	OK bool
}

// Unary tells whether the call looks unary: one message each way at most.
// The tap does not know the method's kind, so a stream that carried one
// message each way counts as unary too, and is saved as such.
func (r Recorded) Unary() bool { return r.RequestCount == 1 && r.ResponseCount <= 1 }

// reservedHeaders are set by the gRPC library on every call; saving them
// would send them twice.
var reservedHeaders = map[string]bool{"content-type": true, "te": true, "user-agent": true}

// nameChars is what a request name made from a method keeps.
var nameChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9_.-]+`) })

// DraftsFromRecorded turns the unary gRPC calls among calls that ended OK
// (reflection requests aside)
// into drafts for address, named after their methods ("Echo", "Echo-2")
// and never a name that taken reports. Metadata the gRPC library sets
// (content-type, te, user-agent, grpc-*) and -bin values are left out;
// secret-looking values, which the tap masked, become ${VAR} references
// named after their keys (authorization: ${AUTHORIZATION}), to be given
// with --var or the environment when the collection runs. skipped says,
// in a sentence each, which calls were left out and why.
func DraftsFromRecorded(calls []Recorded, address string, taken func(name string) bool) (drafts []Draft, skipped []string) {
	var notGRPC, lookups, notUnary, notOK, undecoded int
	used := map[string]bool{}
	for _, c := range calls {
		switch {
		case c.Protocol != "grpc":
			notGRPC++
			continue
		case strings.HasPrefix(c.Method, "grpc.reflection."):
			lookups++
			continue
		case !c.Unary():
			notUnary++
			continue
		case !c.OK:
			notOK++
			continue
		case len(c.Requests) != 1:
			undecoded++
			continue
		}
		d := Draft{Name: freeName(shortMethod(c.Method), used, taken), Address: address, Method: c.Method,
			Headers: recordedHeaders(c.Metadata), Body: []json.RawMessage{c.Requests[0]}}
		used[d.Name] = true
		drafts = append(drafts, d)
	}
	for _, s := range []struct {
		n   int
		why string
	}{
		{notGRPC, "not gRPC (a collection runs gRPC calls only)"},
		{lookups, "reflection requests, a client's look-ups of the schema"},
		{notUnary, "streams, not unary calls"},
		{notOK, "did not end with OK"},
		{undecoded, "their request was not decoded with the schema"},
	} {
		if s.n > 0 {
			skipped = append(skipped, fmt.Sprintf("%d call(s) left out: %s", s.n, s.why))
		}
	}
	return drafts, skipped
}

func shortMethod(method string) string {
	name := method[strings.LastIndexByte(method, '/')+1:]
	if name = nameChars().ReplaceAllString(name, "-"); strings.Trim(name, "-") == "" {
		return "call"
	}
	return name
}

// freeName is base, or base-2, base-3, … for the first that neither this
// conversion nor the file has used.
func freeName(base string, used map[string]bool, taken func(string) bool) string {
	name := base
	for i := 2; used[name] || taken != nil && taken(name); i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	return name
}

// recordedHeaders are the metadata worth sending again, sorted by key,
// secrets as references.
func recordedHeaders(md map[string][]string) []HeaderLine {
	// Metadata keys are lower-case on the wire; a recording edited by hand
	// may not be.
	lower := map[string][]string{}
	for k, vs := range md {
		k = strings.ToLower(k)
		if reservedHeaders[k] || strings.HasPrefix(k, "grpc-") || strings.HasPrefix(k, ":") || strings.HasSuffix(k, "-bin") {
			continue
		}
		lower[k] = append(lower[k], vs...)
	}
	keys := make([]string, 0, len(lower))
	for k := range lower {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []HeaderLine
	for _, k := range keys {
		for _, v := range lower[k] {
			if isSecret(k) {
				v = SecretReference(k, v, VarName(k))
			}
			out = append(out, HeaderLine{Key: k, Value: v})
		}
	}
	return out
}

// VarName is the variable a secret header's value is saved as: its key in
// capitals, other characters as underscores (x-api-key: X_API_KEY).
func VarName(key string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(key) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "H_" + name
	}
	return name
}

// SaveRecorded saves the unary calls among calls into the collection at
// path (created when missing) as DraftsFromRecorded makes them, under
// names the file does not hold yet, and returns the names saved and the
// sentences of DraftsFromRecorded about the calls left out. A file that
// does not load is not touched; a save that fails stops there, the
// requests saved before it staying saved.
func SaveRecorded(path, address string, calls []Recorded) (saved, skipped []string, err error) {
	names := map[string]bool{}
	f, err := Load(path)
	switch {
	case err == nil:
		for _, r := range f.Requests {
			names[r.Name.Raw] = true
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, err
	}
	drafts, skipped := DraftsFromRecorded(calls, address, func(name string) bool { return names[name] })
	for _, d := range drafts {
		if err := Save(path, d, SaveOptions{}); err != nil {
			return saved, skipped, err
		}
		saved = append(saved, d.Name)
	}
	return saved, skipped, nil
}
