package ui

import (
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/session"
	"sockscope/sockets"
)

// connectedMsg answers openSessionCmd; connID says which attempt it
// answers, and a result for an attempt the user has left is closed and
// dropped.
type connectedMsg struct {
	connID     int
	session    *session.Session
	methods    []protoreflect.MethodDescriptor
	provenance session.Provenance
	leftOut    []error // services the listing left out: malformed or undescribed reflection
	notServed  map[string]string
	err        error
}

// healthMsg answers healthCmd: each listed service's grpc.health.v1 status,
// nil when the server has no health service.
type healthMsg struct {
	connID   int
	statuses map[string]string
}

// callEventsMsg carries what a call produced since the last one, batched so a
// fast stream costs one Update per frame rather than one per message;
// queue is nil once the call's events are over, and at is when the batch
// was made, from which the next one is timed.
type callEventsMsg struct {
	callID int
	events []callEvent
	queue  *eventQueue
	at     time.Time
}

// callEvent is one thing that happened during a call.
type callEvent struct {
	header     map[string][]string
	reply      *reply // a message received
	sent       *reply // a message sent on a client or bidi stream
	request    bool   // the one request of a unary or server-stream call went out
	done       bool
	result     client.Result
	statusJSON string    // the status as JSON with decoded details, when not OK
	status     *document // the same, indented for the viewer
	err        error     // a local failure (the call never reached the server, or bad input)
	elapsed    time.Duration
}

// reply is one message, already formatted off the update loop.
type reply struct {
	at   time.Time
	text string    // compact JSON, for a stream's list
	doc  *document // a reply read in the viewer, indented
}

// messageOpenedMsg answers openMessageCmd and jqDocumentCmd: the document
// the viewer shows, for the request id.
type messageOpenedMsg struct {
	id  uint64
	doc *document
}

// editorClosedMsg answers the ctrl+e editor round trip.
type editorClosedMsg struct {
	method string
	text   string
	err    error
}

// sampleStartedMsg answers startSampleCmd.
type sampleStartedMsg struct {
	address string
	err     error
}

// tickMsg refreshes the running time and rate while calls are in flight.
type tickMsg struct{}

// errMsg is a recoverable failure that no pane shows itself: the status bar
// shows it until the next key.
type errMsg struct{ err error }

// socketsScannedMsg answers scanCmd with the first list; updates follow on ch.
type socketsScannedMsg struct {
	scanID int
	scan   *sockets.Scan
	ch     <-chan sockets.Socket
	err    error
}

// socketProbedMsg carries probe results (batched) for scanID; ch nil means the scan is over.
type socketProbedMsg struct {
	scanID  int
	sockets []sockets.Socket
	ch      <-chan sockets.Socket
}

// socketEventMsg carries one watch event; ch is re-armed until it closes.
type socketEventMsg struct {
	scanID int
	event  sockets.Event
	ch     <-chan sockets.Event
}
