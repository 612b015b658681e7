package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"sockscope/collection"
	"sockscope/internal/safetext"
)

// recordedEvent is the part of a --tap-out line that a collection needs.
type recordedEvent struct {
	Event     string              `json:"event"`
	Call      uint64              `json:"call"`
	Protocol  string              `json:"protocol"`
	Method    string              `json:"method"`
	Metadata  map[string][]string `json:"metadata"`
	Direction string              `json:"direction"`
	Index     int                 `json:"index"`
	JSON      json.RawMessage     `json:"json"`
	Status    *struct {
		Code int `json:"code"`
	} `json:"status"`
	Requests  *int `json:"requests"`
	Responses *int `json:"responses"`
}

// toCollection is --to-collection FILE --from-tap REC ADDRESS: the unary
// calls of a tap's recording become requests of the collection, sent to
// ADDRESS, which --run then replays.
func (env *runEnv) toCollection() int {
	o := env.opts
	in := env.stdin
	name := "stdin"
	if o.fromTap != "-" {
		f, err := os.Open(o.fromTap)
		if err != nil {
			return env.fail(&exitError{status: exitUsage, err: fmt.Errorf("--from-tap: %w", err)})
		}
		defer f.Close()
		in, name = f, o.fromTap
	}
	calls, err := readRecording(in, name)
	if err != nil {
		return env.fail(&exitError{status: exitUsage, err: err})
	}
	saved, skipped, err := collection.SaveRecorded(o.toCollection, o.address, calls)
	for _, s := range skipped {
		fmt.Fprintf(env.stderr, "sockscope: %s\n", s)
	}
	if len(saved) > 0 {
		fmt.Fprintf(env.stderr, "sockscope: saved %d request(s) to %s: %s\n", len(saved), safetext.Line(o.toCollection),
			safetext.Line(strings.Join(saved, ", ")))
	}
	if err != nil {
		return env.failRun(err)
	}
	if len(saved) == 0 {
		return env.fail(fmt.Errorf("%s holds no unary call that ended OK with its request decoded: nothing was saved (record with --tap-out, which decodes every message)", safetext.Line(name)))
	}
	return exitOK
}

// readRecording gathers a --tap-out recording's calls, in the order they
// started.
func readRecording(r io.Reader, name string) ([]collection.Recorded, error) {
	dec := json.NewDecoder(r)
	var order []uint64
	calls := map[uint64]*collection.Recorded{}
	get := func(ev recordedEvent) *collection.Recorded {
		c := calls[ev.Call]
		if c == nil {
			c = &collection.Recorded{Method: ev.Method, Protocol: ev.Protocol}
			calls[ev.Call] = c
			order = append(order, ev.Call)
		}
		return c
	}
	events := 0
	for {
		var ev recordedEvent
		err := dec.Decode(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: after %d events, at byte %d: not a --tap-out recording: %w", name, events, dec.InputOffset(), err)
		}
		events++
		if ev.Call == 0 {
			continue
		}
		switch ev.Event {
		case "call_start":
			get(ev).Metadata = ev.Metadata
		case "message":
			c := get(ev)
			if ev.Direction == "request" && ev.JSON != nil && len(c.Requests) == ev.Index-1 {
				c.Requests = append(c.Requests, ev.JSON)
			}
		case "call_end":
			c := get(ev)
			c.OK = ev.Status != nil && ev.Status.Code == 0
			if ev.Requests != nil && ev.Responses != nil {
				c.RequestCount, c.ResponseCount = *ev.Requests, *ev.Responses
			}
		}
	}
	if events == 0 {
		return nil, fmt.Errorf("%s is empty: record with sockscope --tap ADDRESS --tap-out %s", name, name)
	}
	out := make([]collection.Recorded, 0, len(order))
	for _, id := range order {
		out = append(out, *calls[id])
	}
	return out, nil
}

// validateToCollection checks --to-collection's flags: the recording and
// the address its requests go to.
func (o *options) validateToCollection() error {
	switch {
	case o.fromTap != "" && o.toCollection == "":
		return errors.New("--from-tap goes with --to-collection FILE")
	case o.toCollection == "":
		return nil
	case o.fromTap == "":
		return errors.New("--to-collection needs --from-tap FILE.jsonl, a recording made with --tap ADDRESS --tap-out FILE.jsonl")
	case o.address == "":
		return errors.New("--to-collection needs the ADDRESS its requests go to (the --tap ADDRESS of the recording)")
	}
	return nil
}
