package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/history"
	"sockscope/session"
	"sockscope/sockets"
)

// openSessionCmd opens address through the session package and lists its
// methods. ctx is cancelled by esc and when the user leaves the socket; the
// reflection stream lives on it as long as the session.
func openSessionCmd(ctx context.Context, connID int, cfg session.Config) tea.Cmd {
	return func() tea.Msg {
		s, err := session.Open(ctx, cfg)
		if err != nil {
			return connectedMsg{connID: connID, err: withHints(err)}
		}
		methods, err := s.Methods(ctx)
		if err != nil {
			s.Close()
			return connectedMsg{connID: connID, err: withHints(err)}
		}
		return connectedMsg{connID: connID, session: s, methods: methods, provenance: s.Provenance(), leftOut: s.LeftOut(), notServed: s.NotServed()}
	}
}

// withHints puts what the session knows would help after the failure, in
// parentheses, since the services pane shows a failure as one text.
func withHints(err error) error {
	hints := session.Hints(err)
	if len(hints) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(hints, "; "))
}

// healthCmd asks the session how each of services is doing, with the
// calls' start-up metadata (a health server behind an authenticating
// interceptor wants credentials too); leaving the socket ends the checks.
func healthCmd(ctx context.Context, connID int, s *session.Session, services []string, header metadata.MD) tea.Cmd {
	return func() tea.Msg {
		return healthMsg{connID: connID, statuses: s.ServicesHealth(ctx, services, header)}
	}
}

// closeSessionCmd closes s off the update loop: ending the reflection
// stream and the connection may wait on the network.
func closeSessionCmd(s *session.Session) tea.Cmd {
	return func() tea.Msg {
		if s != nil {
			s.Close()
		}
		return nil
	}
}

// callSpec is everything one call needs, copied out of the model by value.
type callSpec struct {
	callID   int
	conn     grpc.ClientConnInterface
	method   protoreflect.MethodDescriptor
	header   metadata.MD
	resolver client.TypeResolver
	maxMsg   int
	// first is the message sent at once; more arrive on sends until it is closed
	// (client and bidi streams only; nil otherwise).
	first proto.Message
	sends <-chan proto.Message
	// reconnect, when set, makes a failed connection dial again at once
	// before the call (session.Reconnect).
	reconnect func(context.Context)
	// record, when set, keeps the requests sent for the history.
	record *history.Recorder
}

// startCallCmd runs the call on its own goroutine and returns its first
// events; the explorer re-arms waitCallEventsCmd until the events end.
func startCallCmd(ctx context.Context, spec callSpec) tea.Cmd {
	events := newEventQueue()
	return func() tea.Msg {
		go runCall(ctx, spec, events)
		return waitCallEvents(spec.callID, events, time.Time{}, nil)
	}
}

func waitCallEventsCmd(callID int, q *eventQueue, last time.Time, done []callEvent) tea.Cmd {
	return func() tea.Msg { return waitCallEvents(callID, q, last, done) }
}

// openMessageCmd formats one stream message for the viewer: indented, or
// what prog makes of it when the list has a jq program.
func openMessageCmd(id uint64, text string, prog *jqProgram) tea.Cmd {
	return func() tea.Msg {
		if prog != nil {
			return messageOpenedMsg{id: id, doc: prog.document(text)}
		}
		return messageOpenedMsg{id: id, doc: newJSONDocument(indentCompact(text))}
	}
}

// jqDocumentCmd applies prog to a whole reply for the viewer.
func jqDocumentCmd(id uint64, prog *jqProgram, text string) tea.Cmd {
	return func() tea.Msg { return messageOpenedMsg{id: id, doc: prog.document(text)} }
}

// openEditorCmd writes text to a private temp file, runs the user's editor on
// it and reads it back; the file is removed whatever happens.
func openEditorCmd(method, text string) tea.Cmd {
	f, err := os.CreateTemp("", "sockscope-*.json")
	if err != nil {
		return func() tea.Msg { return editorClosedMsg{method: method, text: text, err: err} }
	}
	path := f.Name()
	_, werr := f.WriteString(text)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(path)
		return func() tea.Msg { return editorClosedMsg{method: method, text: text, err: err} }
	}
	editor := os.Getenv("EDITOR")
	if editor == "" {
		editor = os.Getenv("VISUAL")
	}
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "sh", path)
	return tea.ExecProcess(cmd, func(runErr error) tea.Msg {
		defer os.Remove(path)
		if runErr != nil {
			return editorClosedMsg{method: method, text: text, err: fmt.Errorf("%s: %w", editor, runErr)}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return editorClosedMsg{method: method, text: text, err: err}
		}
		return editorClosedMsg{method: method, text: string(b)}
	})
}

func startSampleCmd(start func() (string, error)) tea.Cmd {
	return func() tea.Msg {
		addr, err := start()
		return sampleStartedMsg{address: addr, err: err}
	}
}

func tickCmd() tea.Cmd {
	return tea.Tick(250*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{} })
}

func errCmd(err error) tea.Cmd {
	return func() tea.Msg { return errMsg{err} }
}

// watchCmd starts watching once the first scan is complete, so the list keeps
// itself current without the user pressing r.
func watchCmd(ctx context.Context, scanID int, opts sockets.Options, baseline []sockets.Socket) tea.Cmd {
	return func() tea.Msg {
		ch, err := sockets.Watch(ctx, opts, baseline)
		if err != nil {
			return nil
		}
		return waitWatch(scanID, ch)
	}
}

func waitWatchCmd(scanID int, ch <-chan sockets.Event) tea.Cmd {
	return func() tea.Msg { return waitWatch(scanID, ch) }
}

func waitWatch(scanID int, ch <-chan sockets.Event) tea.Msg {
	ev, ok := <-ch
	if !ok {
		return nil
	}
	return socketEventMsg{scanID: scanID, event: ev, ch: ch}
}

func scanCmd(ctx context.Context, scanID int, opts sockets.Options) tea.Cmd {
	return func() tea.Msg {
		scan, ch, err := sockets.Start(ctx, opts)
		return socketsScannedMsg{scanID: scanID, scan: scan, ch: ch, err: err}
	}
}

func waitProbedCmd(scanID int, ch <-chan sockets.Socket) tea.Cmd {
	return func() tea.Msg {
		first, ok := <-ch
		if !ok {
			return socketProbedMsg{scanID: scanID}
		}
		batch := []sockets.Socket{first}
		for len(batch) < 256 {
			select {
			case s, ok := <-ch:
				if !ok {
					return socketProbedMsg{scanID: scanID, sockets: batch}
				}
				batch = append(batch, s)
			default:
				return socketProbedMsg{scanID: scanID, sockets: batch, ch: ch}
			}
		}
		return socketProbedMsg{scanID: scanID, sockets: batch, ch: ch}
	}
}
