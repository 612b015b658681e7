package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"sockscope/collection"
	"sockscope/tap"
)

// tapStartTimeout bounds starting a tap: renaming a socket or creating
// one is quick, and a file system that hangs must not leave the screen
// waiting for ever.
const tapStartTimeout = 10 * time.Second

// tapBatch is the most events one Update takes, so that a busy tap costs
// a frame no more than a quiet one.
const tapBatch = 256

// errQuitting is a tap's start that came after the TUI ended.
var errQuitting = errors.New("the TUI is ending")

// tapRegistry holds every tap the TUI started, shared by all copies of
// the model. The program's end does not wait for commands, so whatever
// ends it (q, ctrl+c, SIGTERM, a closed terminal) leaves the taps to
// Model.StopTaps, which main calls once the program has returned: an
// interposed socket is put back on every way out.
type tapRegistry struct {
	mu       sync.Mutex
	taps     map[*tap.Tap]bool
	closed   bool
	starting sync.WaitGroup
}

func newTapRegistry() *tapRegistry { return &tapRegistry{taps: map[*tap.Tap]bool{}} }

// begin counts a start under way; false once the registry closed.
func (r *tapRegistry) begin() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.starting.Add(1)
	return true
}

// add holds t; false once the registry closed, when the caller stops it.
func (r *tapRegistry) add(t *tap.Tap) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.taps[t] = true
	return true
}

// empty says no tap is running or starting.
func (r *tapRegistry) empty() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.taps) == 0
}

func (r *tapRegistry) remove(t *tap.Tap) {
	r.mu.Lock()
	delete(r.taps, t)
	r.mu.Unlock()
}

// stopAll closes the registry, waits for the starts under way and stops
// every tap, returning what each stop had to say.
func (r *tapRegistry) stopAll() []string {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.starting.Wait()
	r.mu.Lock()
	taps := make([]*tap.Tap, 0, len(r.taps))
	for t := range r.taps {
		taps = append(taps, t)
	}
	r.taps = map[*tap.Tap]bool{}
	r.mu.Unlock()
	var notes []string
	for _, t := range taps {
		notes = append(notes, reportNotes(stopTap(t))...)
	}
	return notes
}

// stopTap stops t, taking the events nobody reads any more so that the
// stop does not wait for a consumer.
func stopTap(t *tap.Tap) tap.Report {
	go func() {
		for range t.Events() {
		}
	}()
	return t.Stop()
}

// reportNotes is what a tap's end says, a sentence each.
func reportNotes(rep tap.Report) []string {
	notes := append([]string(nil), rep.Notes...)
	if rep.Err != nil {
		notes = append(notes, "the tap could not put the sockets back: "+rep.Err.Error())
	}
	if rep.Incomplete > 0 {
		notes = append(notes, fmt.Sprintf("%d connection(s) were not decoded to their end (the tap fell behind); every byte was forwarded", rep.Incomplete))
	}
	return notes
}

// tapStartedMsg answers startTapCmd.
type tapStartedMsg struct {
	id  uint64
	tap *tap.Tap
	err error
}

// tapEventsMsg carries a batch of a tap's events; open is false once the
// tap has stopped and every event was taken.
type tapEventsMsg struct {
	id     uint64
	events []tap.Event
	open   bool
}

// tapStoppedMsg answers stopTapCmd.
type tapStoppedMsg struct {
	notes []string
}

// trafficDocMsg answers trafficDocCmd: the document of a call (or of its
// headers, with info) for the viewer.
type trafficDocMsg struct {
	id  uint64
	doc *document
}

// trafficSavedMsg answers saveRecordedCmd.
type trafficSavedMsg struct {
	path           string
	saved, skipped []string
	err            error
}

// startTapCmd starts a tap with cfg off the loop, within tapStartTimeout;
// a start that comes later is stopped at once.
func startTapCmd(reg *tapRegistry, id uint64, cfg tap.Config) tea.Cmd {
	return func() tea.Msg {
		if !reg.begin() {
			return tapStartedMsg{id: id, err: errQuitting}
		}
		type started struct {
			t   *tap.Tap
			err error
		}
		ch := make(chan started, 1)
		go func() {
			defer reg.starting.Done()
			// The tap's life is its own, up to Stop: a context that
			// ended would stop it.
			t, err := tap.Start(context.Background(), cfg)
			if err == nil && !reg.add(t) {
				stopTap(t)
				t, err = nil, errQuitting
			}
			ch <- started{t, err}
		}()
		select {
		case s := <-ch:
			return tapStartedMsg{id: id, tap: s.t, err: s.err}
		case <-time.After(tapStartTimeout):
			go func() {
				if s := <-ch; s.t != nil {
					reg.remove(s.t)
					stopTap(s.t)
				}
			}()
			return tapStartedMsg{id: id, err: fmt.Errorf("the tap did not start within %s", tapStartTimeout)}
		}
	}
}

// waitTapCmd takes the tap's next events, as many as are ready up to
// tapBatch; Update asks again after each batch.
func waitTapCmd(id uint64, events <-chan tap.Event) tea.Cmd {
	return func() tea.Msg {
		batch, open := tap.Receive(events, tapBatch)
		return tapEventsMsg{id: id, events: batch, open: open}
	}
}

// stopTapCmd stops t off the loop: putting an interposed socket back and
// letting the connections' last events through take a moment.
func stopTapCmd(reg *tapRegistry, t *tap.Tap) tea.Cmd {
	return func() tea.Msg {
		rep := stopTap(t)
		reg.remove(t)
		return tapStoppedMsg{notes: reportNotes(rep)}
	}
}

// trafficDocCmd writes a call's messages both ways, or with info its
// metadata, headers and trailers, into a document for the viewer; msgs is
// the call's slice as it was, which is never changed.
func trafficDocCmd(id uint64, c trafficCall, info bool) tea.Cmd {
	return func() tea.Msg {
		if info {
			return trafficDocMsg{id: id, doc: newTextDocument(trafficInfoText(&c))}
		}
		return trafficDocMsg{id: id, doc: newTextDocument(trafficMessagesText(&c))}
	}
}

// saveRecordedCmd saves calls into the collection at path.
func saveRecordedCmd(path, address string, calls []collection.Recorded) tea.Cmd {
	return func() tea.Msg {
		saved, skipped, err := collection.SaveRecorded(path, address, calls)
		return trafficSavedMsg{path: path, saved: saved, skipped: skipped, err: err}
	}
}

// savedText says what a save to the collection did.
func (m trafficSavedMsg) text() string {
	var parts []string
	switch {
	case len(m.saved) == 1:
		parts = append(parts, "saved "+m.saved[0]+" to "+m.path)
	case len(m.saved) > 1:
		parts = append(parts, fmt.Sprintf("saved %d requests to %s (%s)", len(m.saved), m.path, strings.Join(m.saved, ", ")))
	case m.err == nil:
		parts = append(parts, "nothing saved")
	}
	parts = append(parts, m.skipped...)
	if m.err != nil {
		parts = append(parts, m.err.Error())
	}
	return strings.Join(parts, "; ")
}
