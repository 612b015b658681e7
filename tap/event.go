package tap

import (
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// EventKind says what an Event reports; its value is the "event" field of
// the event's JSON line.
type EventKind string

// The kinds of events, in the order a call's events come.
const (
	// ConnOpen is a client connecting to the tap.
	ConnOpen EventKind = "conn_open"
	// CallStart is a call's request headers: its method, authority and
	// metadata.
	CallStart EventKind = "call_start"
	// MessageSeen is one message of a call, in either direction.
	MessageSeen EventKind = "message"
	// CallEnd is a call's end: its status, headers, trailers, duration and
	// message counts; or how it ended without a status (a reset, a closed
	// connection), in Note.
	CallEnd EventKind = "call_end"
	// ConnClose is a connection's end, with the bytes carried each way.
	ConnClose EventKind = "conn_close"
	// Notice is something the tap itself has to say: the schema it could
	// not get, a connection it stopped decoding.
	Notice EventKind = "notice"
)

// Direction is the way a message travels.
type Direction string

// The two directions.
const (
	Request  Direction = "request"  // client to server
	Response Direction = "response" // server to client
)

// Protocols a connection or a call is reported in.
const (
	ProtocolHTTP2 = "http2" // a connection that speaks HTTP/2; a call on it that is not gRPC
	ProtocolGRPC  = "grpc"  // a gRPC call over HTTP/2
	ProtocolTTRPC = "ttrpc" // containerd's ttrpc, connection and call alike
	ProtocolOther = "other" // a connection in anything else, forwarded and counted
)

// Client is who is at the other end of a tapped connection, from
// SO_PEERCRED where the system offers it. Command is the process's name as
// the kernel has it, unescaped: print it through safetext.
type Client struct {
	PID     int    // 0 when unknown
	UID     int    // -1 when unknown
	Command string // "" when unknown
}

// Label names the client for people: "COMMAND (pid N)", "pid N" or
// "(client unknown)". The command is the peer's own text and goes through
// show first: the escaper for a terminal line, or nothing for a document
// that is escaped whole.
func (c Client) Label(show func(string) string) string {
	switch {
	case c.PID > 0 && c.Command != "":
		return show(c.Command) + " (pid " + strconv.Itoa(c.PID) + ")"
	case c.PID > 0:
		return "pid " + strconv.Itoa(c.PID)
	}
	return "(client unknown)"
}

// Status is how a call ended, as its trailers (or ttrpc's Response) said.
type Status struct {
	Code    codes.Code
	Message string
}

// Event is one thing the tap saw. Which fields are set depends on Kind;
// text from the peers (methods, metadata, messages, notes) is unescaped,
// so print it through safetext. Metadata whose name looks secret
// (IsSecretKey) is already masked. -bin values are decoded bytes.
type Event struct {
	Kind EventKind
	// Time is when the bytes that made the event passed through the tap.
	Time time.Time
	// Conn numbers the tap's connections from 1.
	Conn   uint64
	Client Client
	// Protocol is one of the Protocol constants.
	Protocol string

	// Call numbers the tap's calls from 1; Stream is the call's stream on
	// its connection.
	Call   uint64
	Stream uint32
	// Method is "pkg.Service/Method" for gRPC and ttrpc, "METHOD /path"
	// for other HTTP/2.
	Method string
	// Authority and Timeout are the request's :authority and grpc-timeout
	// (or ttrpc's timeout), at CallStart.
	Authority string
	Timeout   string
	// Metadata is the request's metadata at CallStart; Header and Trailer
	// are the response's at CallEnd.
	Metadata, Header, Trailer metadata.MD

	// Direction, Index (from 1, per direction), Size (bytes, before
	// decompression) and Compressed describe a MessageSeen. JSON is the
	// message decoded with the schema, Raw its fields by number (as
	// protoc --decode_raw shows them) when its type is unknown, and
	// Undecoded says why neither is there.
	Direction  Direction
	Index      int
	Size       int
	Compressed bool
	JSON       []byte
	Raw        string
	Undecoded  string

	// Status is the call's status at CallEnd; nil when it ended without
	// one (Note says how). Duration runs from CallStart to CallEnd.
	// Requests and Responses count the call's messages.
	Status              *Status
	Duration            time.Duration
	Requests, Responses int

	// BytesFromClient and BytesFromServer are what a connection carried,
	// at ConnClose.
	BytesFromClient, BytesFromServer int64
	// Note says more: how a call ended without a status, why a connection
	// closed or stopped being decoded, a Notice's message.
	Note string
}
