package ui

import (
	tea "charm.land/bubbletea/v2"

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
