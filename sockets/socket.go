package sockets

import (
	"cmp"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is what a socket turned out to be when probed. Every socket has exactly
// one.
type Kind string

// The kinds; KindOrder is the order listings group them in.
const (
	// KindPending is the kind of a discovered socket whose probe has not
	// finished yet; it appears in a scan only when the scan was cut short,
	// named "pending".
	KindPending Kind = ""
	// KindGRPC answered HTTP/2 with a gRPC status.
	KindGRPC Kind = "grpc"
	// KindHTTP1 answered the HTTP/2 preface in HTTP/1.x.
	KindHTTP1 Kind = "http1"
	// KindHTTP2 answered in HTTP/2 but without a gRPC status.
	KindHTTP2 Kind = "http2"
	// KindOther accepted, then answered with bytes that are not HTTP or closed
	// the connection.
	KindOther Kind = "other"
	// KindSilent accepted but said nothing before the probe timeout.
	KindSilent Kind = "silent"
	// KindDenied means this user may not connect.
	KindDenied Kind = "denied"
	// KindStale is a socket file nothing listens on.
	KindStale Kind = "stale"
	// KindNotStream is a datagram or seqpacket socket; it is never dialed.
	KindNotStream Kind = "not-stream"
	// KindUnprobed is every stream socket of a scan run with NoProbe.
	KindUnprobed Kind = "unprobed"
)

// KindOrder lists the kinds in the order listings group them, gRPC first.
var KindOrder = []Kind{KindGRPC, KindHTTP2, KindHTTP1, KindOther, KindSilent, KindDenied,
	KindUnprobed, KindStale, KindNotStream, KindPending}

// MarshalJSON writes the kind's name, "pending" for KindPending, so no
// kind is ever empty in JSON.
func (k Kind) MarshalJSON() ([]byte, error) { return json.Marshal(k.Name()) }

// Rank is the kind's position in KindOrder, for sorting.
func (k Kind) Rank() int {
	for i, o := range KindOrder {
		if o == k {
			return i
		}
	}
	return len(KindOrder)
}

// CompareForListing orders sockets the way every listing shows them: by
// kind in KindOrder, then files before abstract sockets, then by path.
func CompareForListing(a, b *Socket) int {
	if c := cmp.Compare(a.Kind.Rank(), b.Kind.Rank()); c != 0 {
		return c
	}
	if a.Abstract != b.Abstract {
		if a.Abstract {
			return 1
		}
		return -1
	}
	return strings.Compare(a.Path, b.Path)
}

// Reflection values of a gRPC socket.
const (
	ReflectionV1      = "v1"
	ReflectionV1Alpha = "v1alpha"
	ReflectionNone    = "none"
	// ReflectionRefused is a server that refused the reflection request
	// for want of credentials (Unauthenticated, PermissionDenied).
	ReflectionRefused = "refused"
)

// Socket types as /proc/net/unix reports them.
const (
	TypeStream    = "stream"
	TypeDatagram  = "dgram"
	TypeSeqPacket = "seqpacket"
)

// Socket is one discovered socket and, once probed, what it is. Its JSON
// field names are stable and every field is always present; what is not
// known or does not apply is null (or "" for strings).
type Socket struct {
	// Path is the socket file's path, or "@name" for an abstract socket. It
	// identifies the socket in updates and watch events.
	Path string `json:"path"`
	// PathBase64 is set, in JSON only (see MarshalJSON), when Path is not
	// valid UTF-8: JSON cannot carry such a name, so "path" holds it
	// escaped as the table shows it and this its exact bytes.
	PathBase64 string `json:"path_base64,omitempty"`
	Abstract   bool   `json:"abstract"`
	Kind       Kind   `json:"kind"`
	// Reflection is "v1", "v1alpha", "none" or "refused" (credentials
	// wanted) for a gRPC socket, else empty.
	Reflection string `json:"reflection"`
	// Services are the full service names reflection listed, sorted; for a
	// server without reflection, those of the Schema chosen for it.
	Services []string `json:"services"`
	// Schema is the built-in schema chosen for a gRPC server without
	// reflection, and why; nil when it has reflection or none fits.
	Schema *SchemaChoice `json:"schema"`
	// Health maps a service name to its grpc.health.v1 serving status when
	// the server has the health service: "" is the server as a whole, then
	// each of the first MaxHealthChecks Services (the infrastructure ones,
	// grpcservices.IsInfrastructure, left out). A service the health server does not
	// know (NotFound) is "SERVICE_UNKNOWN"; one whose check failed otherwise,
	// or was not made, is absent.
	Health map[string]string `json:"health"`
	// Hint says, in one line, what to make of the result.
	Hint string `json:"hint"`
	// Listening comes from /proc/net/unix: nil when the socket is not in this
	// network namespace's table or there is no /proc.
	Listening *bool `json:"listening"`
	// SocketType is "stream", "dgram" or "seqpacket" when known, else empty.
	SocketType string `json:"socket_type"`
	// Owner may be shared with other sockets of the same scan: copy it
	// before changing it.
	Owner   *Owner   `json:"owner"`
	Process *Process `json:"process"`
	// ProbeTime is how long the probe took; zero when not probed.
	ProbeTime Millis `json:"probe_ms"`
	// Err is why the probe failed, when it did; not fatal.
	Err string `json:"error"`

	// inodes are the sockfs inodes of its listeners in /proc/net/unix.
	inodes []uint64
	// procListening is Listening as /proc/net/unix alone said it, for Watch
	// to notice changes without counting what a probe learned.
	procListening *bool
	// fileID tells a re-created file from the one seen before.
	fileID fileID
}

// SchemaChoice names the schema sockscope would use for a server that
// serves no reflection (see reflection.ChooseSchema).
type SchemaChoice struct {
	// Name is what --schema takes.
	Name string `json:"name"`
	// Reason says how it was chosen: by the socket's name, or because the
	// server answered one of the schema's methods.
	Reason string `json:"reason"`
	// NotServed are the schema's services the daemon says it does not
	// serve (containerd's introspection), sorted; Services leaves them out.
	NotServed []string `json:"not_served,omitempty"`
}

// Owner is the socket file's owner and permissions.
type Owner struct {
	UID   uint32 `json:"uid"`
	User  string `json:"user"`
	GID   uint32 `json:"gid"`
	Group string `json:"group"`
	// Mode is the permission bits in octal, e.g. "0660".
	Mode string `json:"mode"`
	// WorldWritable warns that any local user may connect.
	WorldWritable bool `json:"world_writable"`
}

// Process is the process serving a listening socket. Cmdline has the value
// of every secret-looking flag masked (see internal/secret).
type Process struct {
	PID     int    `json:"pid"`
	Comm    string `json:"comm"`
	Cmdline string `json:"cmdline"`
}

// fileID is a file's identity on disk.
type fileID struct{ dev, ino uint64 }

// Millis is a duration that JSON writes as milliseconds, to a tenth.
type Millis time.Duration

// MarshalJSON writes the milliseconds as a number.
func (m Millis) MarshalJSON() ([]byte, error) {
	ms := math.Round(float64(m)/float64(time.Millisecond)*10) / 10
	return strconv.AppendFloat(nil, ms, 'f', -1, 64), nil
}

// clone returns a copy that shares no slices or maps with s.
func (s Socket) clone() Socket {
	c := s
	c.Services = append([]string(nil), s.Services...)
	if s.Health != nil {
		c.Health = make(map[string]string, len(s.Health))
		for k, v := range s.Health {
			c.Health[k] = v
		}
	}
	if s.Schema != nil {
		sc := *s.Schema
		sc.NotServed = append([]string(nil), s.Schema.NotServed...)
		c.Schema = &sc
	}
	c.inodes = append([]uint64(nil), s.inodes...)
	if s.Listening != nil {
		l := *s.Listening
		c.Listening = &l
	}
	if s.Owner != nil {
		o := *s.Owner
		c.Owner = &o
	}
	if s.Process != nil {
		p := *s.Process
		c.Process = &p
	}
	return c
}
