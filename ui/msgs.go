package ui

import (
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
)

// connectedMsg answers connectCmd; connID says which attempt it answers, and a
// result for an attempt the user has left is closed and dropped.
type connectedMsg struct {
	connID     int
	conn       *connection
	methods    []protoreflect.MethodDescriptor
	reflection string
	schema     string  // the schema in use, when the server has no reflection
	schemaWhy  string  // why that schema was chosen, and where it comes from
	leftOut    []error // services whose malformed reflection could not be repaired
	err        error
}

// healthMsg answers healthCmd: each listed service's grpc.health.v1 status,
// nil when the server has no health service.
type healthMsg struct {
	connID   int
	statuses map[string]string
}

// callEventsMsg carries what a call produced since the last one, batched so a
// fast stream costs one Update per batch rather than per message.
type callEventsMsg struct {
	callID int
	events []callEvent
	ch     <-chan callEvent
}

// callEvent is one thing that happened during a call.
type callEvent struct {
	header  map[string][]string
	reply   *reply
	done    bool
	result  client.Result
	status  string // the status as JSON with decoded details, when not OK
	err     error  // a local failure (the call never reached the server, or bad input)
	elapsed time.Duration
}

// reply is one received message, already rendered off the UI loop.
type reply struct {
	at   time.Time
	text string // indented JSON for unary replies, compact JSON for stream messages
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
