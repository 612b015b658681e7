package ui

import (
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"sockscope/client"
	"sockscope/history"
)

// historyRecordedMsg answers recordCallCmd; err says the call was not
// written down, which never fails the call itself.
type historyRecordedMsg struct{ err error }

// recordCallCmd appends a finished call to the history off the update
// loop: rendering the requests and writing the file take time that grows
// with the call. Everything the entry needs is taken by value now.
func recordCallCmd(store *history.Store, c *callEntry, ev callEvent) tea.Cmd {
	if store == nil || c.record == nil || ev.result.Status == nil || ev.err != nil && ev.result.Sent == 0 {
		// A call refused before anything was sent is not one, as for --call.
		return nil
	}
	call := history.Call{
		Time: c.started, Address: c.address, Method: c.method, Requests: c.record,
		Header: c.sentHeader, Deadline: c.deadline, Result: ev.result, Took: ev.elapsed,
		Resolver: c.resolver, Source: "tui",
	}
	return func() tea.Msg {
		_, err := store.Append(history.NewEntry(call))
		return historyRecordedMsg{err: err}
	}
}

// historyWarning is the one warning a failure to record gets: the status
// line says it once, since a history that cannot be written fails every
// call the same way and the calls themselves go on.
func (m *Model) historyWarning(msg historyRecordedMsg) {
	if msg.err == nil || m.historyWarned {
		return
	}
	m.historyWarned = true
	m.setFlash("warning: calls are not recorded in the history (" + msg.err.Error() + "); they work as before")
}

// RecordUnfinished writes down the calls still running when the program
// ended: quitting cancels them, but the program does not wait for their
// last events, so without this a watch left open would never reach the
// history. Each is recorded as Canceled with what it had sent and
// received. Call it once the program has returned, with its final model.
func (m Model) RecordUnfinished() error {
	store := m.opts.History
	if store == nil {
		return nil
	}
	now := time.Now()
	var errs []error
	for _, st := range m.explorer.states {
		for _, c := range st.calls {
			if !c.running || c.record == nil {
				continue
			}
			call := history.Call{
				Time: c.started, Address: c.address, Method: c.method, Requests: c.record,
				Header: c.sentHeader, Deadline: c.deadline, Took: now.Sub(c.started),
				Result: client.Result{
					Header: c.header, Trailer: c.trailer, Sent: c.sent, Received: c.received,
					Status: status.New(codes.Canceled, "sockscope quit while the call was running"),
				},
				Resolver: c.resolver, Source: "tui",
			}
			if _, err := store.Append(history.NewEntry(call)); err != nil {
				errs = append(errs, err)
				break
			}
		}
	}
	return errors.Join(errs...)
}
