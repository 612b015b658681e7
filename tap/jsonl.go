package tap

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/metadata"
)

type jsonClient struct {
	PID     int    `json:"pid,omitempty"`
	UID     *int   `json:"uid,omitempty"`
	Command string `json:"command,omitempty"`
}

type jsonStatus struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

// jsonEvent is an Event's JSON line: every field that applies to its kind.
type jsonEvent struct {
	Event           EventKind           `json:"event"`
	Time            string              `json:"time"`
	Conn            uint64              `json:"conn"`
	Call            uint64              `json:"call,omitempty"`
	Stream          uint32              `json:"stream,omitempty"`
	Client          *jsonClient         `json:"client,omitempty"`
	Protocol        string              `json:"protocol,omitempty"`
	Method          string              `json:"method,omitempty"`
	Authority       string              `json:"authority,omitempty"`
	Timeout         string              `json:"timeout,omitempty"`
	Metadata        map[string][]string `json:"metadata,omitempty"`
	Direction       Direction           `json:"direction,omitempty"`
	Index           int                 `json:"index,omitempty"`
	Size            *int                `json:"size,omitempty"`
	Compressed      bool                `json:"compressed,omitempty"`
	JSON            json.RawMessage     `json:"json,omitempty"`
	Raw             string              `json:"raw,omitempty"`
	Undecoded       string              `json:"undecoded,omitempty"`
	Status          *jsonStatus         `json:"status,omitempty"`
	Headers         map[string][]string `json:"headers,omitempty"`
	Trailers        map[string][]string `json:"trailers,omitempty"`
	DurationMS      *float64            `json:"duration_ms,omitempty"`
	Requests        *int                `json:"requests,omitempty"`
	Responses       *int                `json:"responses,omitempty"`
	BytesFromClient *int64              `json:"bytes_from_client,omitempty"`
	BytesFromServer *int64              `json:"bytes_from_server,omitempty"`
	Note            string              `json:"note,omitempty"`
}

// MarshalJSON writes the event as one JSON object for jq: "event" names
// its kind (call_start, message, call_end, conn_open, conn_close, notice)
// and the fields that apply to it follow. Secret-looking metadata is
// masked; -bin values are base64; C1 control characters are escaped as
// \u0080…\u009f, so a line is safe to print as it is.
func (e Event) MarshalJSON() ([]byte, error) {
	j := jsonEvent{Event: e.Kind, Time: e.Time.Format(time.RFC3339Nano), Conn: e.Conn, Call: e.Call, Stream: e.Stream,
		Protocol: e.Protocol, Method: e.Method, Note: e.Note}
	switch e.Kind {
	case ConnOpen, CallStart, CallEnd, ConnClose:
		j.Client = clientJSON(e.Client)
	}
	switch e.Kind {
	case CallStart:
		j.Authority, j.Timeout, j.Metadata = e.Authority, e.Timeout, metadataJSON(e.Metadata)
	case MessageSeen:
		size := e.Size
		j.Direction, j.Index, j.Size, j.Compressed = e.Direction, e.Index, &size, e.Compressed
		j.JSON, j.Raw, j.Undecoded = e.JSON, e.Raw, e.Undecoded
	case CallEnd:
		ms := float64(e.Duration.Microseconds()) / 1000
		req, resp := e.Requests, e.Responses
		j.DurationMS, j.Requests, j.Responses = &ms, &req, &resp
		j.Headers, j.Trailers = metadataJSON(e.Header), metadataJSON(e.Trailer)
		if e.Status != nil {
			j.Status = &jsonStatus{Code: int(e.Status.Code), Name: e.Status.Code.String(), Message: e.Status.Message}
		}
	case ConnClose:
		in, out := e.BytesFromClient, e.BytesFromServer
		j.BytesFromClient, j.BytesFromServer = &in, &out
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", e.Kind, err)
	}
	return escapeC1(b), nil
}

func clientJSON(c Client) *jsonClient {
	if c.PID == 0 && c.UID < 0 && c.Command == "" {
		return nil
	}
	j := &jsonClient{PID: c.PID, Command: c.Command}
	if c.UID >= 0 {
		uid := c.UID
		j.UID = &uid
	}
	return j
}

func metadataJSON(md metadata.MD) map[string][]string {
	if len(md) == 0 {
		return nil
	}
	out := make(map[string][]string, len(md))
	for k, vs := range md {
		if !strings.HasSuffix(k, "-bin") || IsSecretKey(k) {
			out[k] = vs
			continue
		}
		enc := make([]string, len(vs))
		for i, v := range vs {
			enc[i] = base64.StdEncoding.EncodeToString([]byte(v))
		}
		out[k] = enc
	}
	return out
}

// escapeC1 writes the C1 control characters (U+0080 to U+009F, which some
// terminals obey as escape sequences) that encoding/json leaves as they
// are as \u escapes. They can only stand inside strings, where the escape
// means the same character.
func escapeC1(b []byte) []byte {
	if !bytes.Contains(b, []byte{0xc2}) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); i++ {
		if b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			out = fmt.Appendf(out, `\u%04x`, b[i+1])
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}
