package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/metadata"

	"sockscope/history"
	"sockscope/reflection"
)

// loadedRequest is a request from the history or the collection on its
// way into its method's editor: nothing is sent until the user sends.
type loadedRequest struct {
	address, method string
	body            string
	metadata        []string // key: value lines for the method's editor
	deadline        time.Duration
	note            string // what the user must know before sending
}

func (r loadedRequest) saved() savedRequest {
	s := savedRequest{body: r.body, metadata: strings.Join(r.metadata, "\n")}
	if r.deadline > 0 {
		s.deadline = r.deadline.String()
	}
	s.bodyAt = firstValue(r.body)
	return s
}

// requestFromEntry is a past call as the editor takes it. Headers the
// command line gives anyway are left out; a value history did not keep
// stays <masked> in the editor, said in the note, for the user to fill in.
func requestFromEntry(e history.Entry, flags metadata.MD) loadedRequest {
	r := loadedRequest{address: e.Address, method: e.Method, deadline: e.Deadline(), body: "{}"}
	if len(e.Requests) > 0 {
		r.body = indentCompact(string(e.Requests[0]))
	}
	unkept := e.Unkept()
	var fill []string
	for _, line := range e.MetadataLines() {
		k, v, _ := strings.Cut(line, ": ")
		if given := flags.Get(k); len(given) > 0 && (slices.Contains(unkept, k) || slices.Contains(given, v)) {
			continue
		}
		if slices.Contains(unkept, k) && !slices.Contains(fill, k) {
			fill = append(fill, k)
		}
		r.metadata = append(r.metadata, line)
	}
	var notes []string
	if len(fill) > 0 {
		notes = append(notes, fmt.Sprintf("the history does not keep the value of %s: replace %s in the metadata before sending",
			strings.Join(fill, ", "), history.Masked))
	}
	if n := len(e.Requests) + e.RequestsOmitted; n > 1 {
		notes = append(notes, fmt.Sprintf("the call sent %d messages; the editor holds the first, and each ctrl+s sends what it holds", n))
	}
	r.note = strings.Join(notes, "\n")
	return r
}

// requestFromItem is a collection request as the editor takes it, its
// ${VAR}s expanded; one that cannot be is an error naming the variable.
func requestFromItem(it collectionItem) (loadedRequest, error) {
	res := it.resolved
	if it.err != nil && (res.Address == "" || strings.Contains(res.Method, "${")) {
		return loadedRequest{}, fmt.Errorf("request %q: %w", it.name, it.err)
	}
	r := loadedRequest{address: res.Address, method: res.Method, deadline: res.Deadline, body: "{}"}
	if len(res.Body) > 0 {
		r.body = res.Body[0]
	}
	for _, h := range res.Headers {
		r.metadata = append(r.metadata, h.Key+": "+h.Value)
	}
	var notes []string
	if it.err != nil {
		notes = append(notes, it.err.Error()+": loaded as the file writes it; replace the ${…} before sending")
	}
	if len(res.Body) > 1 {
		notes = append(notes, fmt.Sprintf("%q sends %d messages; the editor holds the first, and each ctrl+s sends what it holds", it.name, len(res.Body)))
	}
	r.note = strings.Join(notes, "\n")
	return r, nil
}

// loadRequest puts r into its method's editor on the open socket, and
// shows that method. What was typed for the method before is replaced;
// what was typed for the others is kept.
func (e explorerPage) loadRequest(r loadedRequest) (explorerPage, tea.Cmd) {
	if e.session == nil {
		// Still connecting: the connection's answer selects the method.
		e.pending = &r
		return e, nil
	}
	e.services.clearFilter()
	e.services.selectMethod(r.method)
	sel := e.services.selected()
	if sel == nil || reflection.MethodName(sel) != r.method {
		return e, errCmd(fmt.Errorf("%s is not a method of %s", r.method, e.address))
	}
	e.saveCurrent()
	e.saved[e.savedKey(r.method)] = r.saved()
	// The editor's text must not be kept over the request just loaded.
	e.request.method = nil
	cmd := e.switchMethod(sel)
	if r.note != "" {
		e.response.showHint(r.note)
	}
	return e, cmd
}

// takePending is the method a request loaded from another socket's
// history or collection selects once connected, its request ready in the
// editor; keep otherwise.
func (e *explorerPage) takePending(keep string) string {
	r := e.pending
	e.pending = nil
	if r == nil {
		return keep
	}
	e.saved[e.savedKey(r.method)] = r.saved()
	e.pendingNote = r.note
	return r.method
}

// sameSocket says whether two addresses name one socket.
func sameSocket(a, b string) bool {
	return history.CanonicalAddress(a) == history.CanonicalAddress(b)
}
