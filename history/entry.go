// Package history owns the record of the calls a user made, from the TUI
// or with --call: one JSON object a line in a private file
// ($XDG_STATE_HOME/sockscope/history.jsonl), each with the request(s), the
// metadata with secret-looking values masked, the deadline and how the call
// ended. It keeps the file bounded, finds entries by ID, by address and by
// words, and knows nothing of screens or flags.
package history

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/client"
	"sockscope/internal/safetext"
	"sockscope/internal/secret"
	"sockscope/reflection"
)

// Masked is the value kept for a header whose name looks secret
// (secret.IsSecretName): the call can be seen and repeated, the
// credential is never written down.
const Masked = secret.Mask

// omittedPrefix starts the value kept for a header too long to keep.
const omittedPrefix = "<omitted: "

// Entry is one call as history keeps it. Its JSON form is one line of the
// history file and what --history --json prints.
type Entry struct {
	// ID numbers the calls in the order they were made, from 1; it is
	// assigned by Store.Append.
	ID   int64     `json:"id"`
	Time time.Time `json:"time"`
	// Address is where the call went, in a form that means the same from
	// any directory (see CanonicalAddress).
	Address string `json:"address"`
	// Method is pkg.Service/Method.
	Method string `json:"method"`
	// Requests are the messages sent, as compact JSON, in order.
	Requests []json.RawMessage `json:"requests"`
	// RequestsOmitted counts the messages sent after Requests that were
	// too large to keep; such a call cannot be repeated from history.
	RequestsOmitted int `json:"requests_omitted,omitempty"`
	// Metadata is what the call sent: secret-looking values are Masked,
	// binary (-bin) values base64, as -H takes them.
	Metadata map[string][]string `json:"metadata,omitempty"`
	// DeadlineMS is the call's deadline in milliseconds; 0 for none.
	DeadlineMS int64 `json:"deadline_ms,omitempty"`
	// Code is the gRPC status code's name (OK, NotFound, …).
	Code       string  `json:"code"`
	Message    string  `json:"message,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	Sent       int     `json:"sent"`
	Received   int     `json:"received"`
	// Source says which frontend made the call: "cli" or "tui".
	Source string `json:"source,omitempty"`
}

// Deadline is the call's deadline; 0 for none.
func (e Entry) Deadline() time.Duration { return time.Duration(e.DeadlineMS) * time.Millisecond }

// Duration is how long the call took.
func (e Entry) Duration() time.Duration {
	return time.Duration(e.DurationMS * float64(time.Millisecond))
}

// MetadataLines are the entry's metadata as -H takes it ("key: value", sorted
// by key, a key's values in order): a masked value shows as Masked, so a
// frontend that loads them makes the user fill it in.
func (e Entry) MetadataLines() []string {
	var lines []string
	for _, k := range sortedKeys(e.Metadata) {
		for _, v := range e.Metadata[k] {
			lines = append(lines, k+": "+v)
		}
	}
	return lines
}

// Unkept names the headers whose values history did not keep (masked as
// secrets, or too long), which a repeat of the call must be given anew.
func (e Entry) Unkept() []string {
	var keys []string
	for _, k := range sortedKeys(e.Metadata) {
		for _, v := range e.Metadata[k] {
			if !keptValue(v) {
				keys = append(keys, k)
				break
			}
		}
	}
	return keys
}

func keptValue(v string) bool { return v != Masked && !strings.HasPrefix(v, omittedPrefix) }

// Call is what a frontend knows of a finished call, for NewEntry.
type Call struct {
	Time     time.Time
	Address  string
	Method   protoreflect.MethodDescriptor
	Requests *Recorder
	Header   metadata.MD
	Deadline time.Duration
	Result   client.Result
	Took     time.Duration
	// Resolver finds the types of Any fields in the requests.
	Resolver client.TypeResolver
	Source   string
}

// NewEntry turns a finished call into an entry: the requests the recorder
// kept as JSON, the metadata masked (see Mask). Its ID is set by
// Store.Append.
func NewEntry(c Call) Entry {
	e := Entry{
		Time:       c.Time.UTC(), // UTC needs no zone file read on a call's path
		Address:    CanonicalAddress(c.Address),
		Method:     reflection.MethodName(c.Method),
		Metadata:   Mask(c.Header),
		DeadlineMS: c.Deadline.Milliseconds(),
		DurationMS: float64(c.Took.Microseconds()) / 1000,
		Sent:       c.Result.Sent,
		Received:   c.Result.Received,
		Source:     c.Source,
		Requests:   []json.RawMessage{},
	}
	if st := c.Result.Status; st != nil {
		e.Code = st.Code().String()
		e.Message = clipMessage(st.Message())
	}
	if c.Requests != nil {
		e.Requests, e.RequestsOmitted = c.Requests.json(c.Resolver)
	}
	return e
}

// maxValueBytes bounds one kept header value and the status message, so
// that one entry stays a line a reader can hold.
const maxValueBytes = 8 << 10

func clipMessage(s string) string {
	if len(s) <= maxValueBytes {
		return s
	}
	return safetext.Clip(s, maxValueBytes)
}

// Mask is md as history keeps it: values of secret-looking headers
// (secret.IsSecretName) replaced by Masked, binary (-bin) values as
// base64, and a value too long to keep replaced by a note of its length.
func Mask(md metadata.MD) map[string][]string {
	if len(md) == 0 {
		return nil
	}
	out := make(map[string][]string, len(md))
	for k, values := range md {
		kept := make([]string, len(values))
		for i, v := range values {
			kept[i] = maskValue(k, v)
		}
		out[k] = kept
	}
	return out
}

func maskValue(key, value string) string {
	switch {
	case secret.IsSecretName(key):
		return Masked
	case strings.HasSuffix(key, "-bin"):
		value = base64.StdEncoding.EncodeToString([]byte(value))
	}
	if len(value) > maxValueBytes {
		return fmt.Sprintf("%s%d bytes>", omittedPrefix, len(value))
	}
	return value
}

// remask applies the masking rule to an entry built elsewhere, so nothing
// reaches the file unmasked whoever built it. Values of -bin keys are
// already text here.
func (e *Entry) remask() {
	for k, values := range e.Metadata {
		for i, v := range values {
			switch {
			case secret.IsSecretName(k):
				values[i] = Masked
			case len(v) > maxValueBytes:
				values[i] = fmt.Sprintf("%s%d bytes>", omittedPrefix, len(v))
			}
		}
	}
	e.Message = clipMessage(e.Message)
}

// maxKeptRequestBytes bounds the requests one entry keeps (in protobuf
// bytes), so a long stream or a huge message costs history one bounded
// line, not a copy of the stream.
const maxKeptRequestBytes = 256 << 10

// Recorder keeps the requests of one call as they are sent, up to a bound;
// the messages past it are only counted. It keeps their protobuf encoding,
// one after another in one buffer, rather than the messages: a decoded
// message costs the heap many times its encoding, so a long stream of
// small messages would otherwise hold a large heap until the call ends.
// It is safe for concurrent use, since a stream's requests are read on
// their own goroutine.
type Recorder struct {
	mu      sync.Mutex
	desc    protoreflect.MessageDescriptor // the requests' type, from the first
	wire    []byte                         // the kept requests' encodings
	ends    []int                          // where each kept request ends in wire
	omitted int
}

// Record notes that m was sent.
func (r *Recorder) Record(m proto.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.omitted > 0 {
		r.omitted++
		return
	}
	desc := m.ProtoReflect().Descriptor()
	if r.desc == nil {
		r.desc = desc
	}
	start := len(r.wire)
	wire, err := proto.MarshalOptions{AllowPartial: true}.MarshalAppend(r.wire, m)
	if err != nil || len(wire) > maxKeptRequestBytes || desc.FullName() != r.desc.FullName() {
		r.omitted++
		if cap(wire) > 2*maxKeptRequestBytes {
			// One huge request must not leave its size behind.
			wire = append([]byte(nil), wire[:start]...)
		}
		r.wire = wire[:start]
		return
	}
	r.wire = wire
	r.ends = append(r.ends, len(wire))
}

// Wrap returns next, recording each request it returns.
func (r *Recorder) Wrap(next func() (proto.Message, error)) func() (proto.Message, error) {
	return func() (proto.Message, error) {
		m, err := next()
		if err == nil && m != nil {
			r.Record(m)
		}
		return m, err
	}
}

// json renders the kept requests; one that does not render is counted as
// omitted, as the rest after it.
func (r *Recorder) json(resolver client.TypeResolver) ([]json.RawMessage, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []json.RawMessage{}
	format := &client.ReplyFormat{Resolver: resolver}
	decode := proto.UnmarshalOptions{AllowPartial: true}
	if resolver != nil {
		decode.Resolver = resolver
	}
	start := 0
	for i, end := range r.ends {
		m := dynamicpb.NewMessage(r.desc)
		err := decode.Unmarshal(r.wire[start:end], m)
		var b []byte
		if err == nil {
			b, err = format.Marshal(m)
		}
		if err != nil {
			return out, len(r.ends) - i + r.omitted
		}
		out = append(out, append(json.RawMessage(nil), b...))
		start = end
	}
	return out, r.omitted
}

// CanonicalAddress is addr in a form that names the same socket from any
// directory and compares equal for the same target: a relative socket path
// made absolute, unix:// and unix: prefixes dropped, an abstract socket as
// @name. An address that does not parse is returned as it is.
func CanonicalAddress(addr string) string {
	t, err := client.ParseAddress(addr)
	if err != nil {
		return addr
	}
	if t.Network == "unix" && !t.Abstract {
		return absSocketPath(t.Address)
	}
	return t.Address
}

func absSocketPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if !strings.Contains(abs, "/") {
		// A path ParseAddress would not take as one (Windows separators).
		return "unix:" + abs
	}
	return abs
}
