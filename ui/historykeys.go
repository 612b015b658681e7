package ui

import (
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sockscope/collection"
)

// collectionPath is the file ctrl+x saves into and ctrl+r lists.
func (m Model) collectionPath() string {
	if m.opts.Collection != "" {
		return m.opts.Collection
	}
	return collection.DefaultFile
}

// rememberKey handles the keys of the history page and of the save
// prompt, and the keys that open them; ok is false for a key they leave
// to the rest of the model.
func (m *Model) rememberKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	if key.Matches(msg, m.keys.ForceQuit) {
		return nil, false
	}
	if m.saving.step == saveDone {
		// What the save did was read; the key does what it does.
		m.saving.step = saveOff
	}
	if m.saving.active() {
		m.saving, cmd = m.saving.handleKey(msg)
		return cmd, true
	}
	if m.history.shown {
		return m.historyKey(msg), true
	}
	switch {
	case key.Matches(msg, m.keys.History):
		m.closeKeysPage()
		address := ""
		if m.screen == screenExplorer {
			address = m.explorer.address
		}
		cmd = m.history.open(m.opts.History, address, m.collectionPath())
		return cmd, true
	case key.Matches(msg, m.keys.SaveRequest) && m.screen == screenExplorer:
		m.closeKeysPage()
		d, err := m.explorer.draft()
		if err != nil {
			m.setFlash("save: " + err.Error())
			return nil, true
		}
		return m.saving.start(d, m.collectionPath()), true
	}
	return nil, false
}

func (m *Model) closeKeysPage() {
	if m.help.ShowAll {
		m.help.ShowAll = false
		m.layout()
	}
}

// historyKey is a key on the history page: esc (or ctrl+r again) closes
// it, enter loads what is selected, ctrl+x saves the call selected into
// the collection; the rest moves or filters.
func (m *Model) historyKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Back, m.keys.History):
		m.history.close()
		return nil
	case key.Matches(msg, m.keys.SaveRequest):
		if e, ok := m.history.selectedCall(); ok {
			return m.saving.start(draftFromEntry(e), m.collectionPath())
		}
		m.setFlash("ctrl+x here saves a call of the history: tab goes back to it")
		return nil
	case key.Matches(msg, m.keys.Select):
		return m.loadSelected()
	}
	var cmd tea.Cmd
	m.history, cmd = m.history.handleKey(msg)
	return cmd
}

// loadSelected loads the call or request selected into its method's
// editor: on the open socket, or on the socket it names, opened for it.
func (m *Model) loadSelected() tea.Cmd {
	var r loadedRequest
	if e, ok := m.history.selectedCall(); ok {
		r = requestFromEntry(e, m.opts.Headers.Call)
	} else if it, ok := m.history.selectedRequest(); ok {
		var err error
		if r, err = requestFromItem(it); err != nil {
			m.setFlash(err.Error())
			return nil
		}
	} else {
		return nil
	}
	if r.address == "" {
		m.setFlash(errors.New("the request names no address: give the collection an address").Error())
		return nil
	}
	m.history.close()
	if m.screen == screenExplorer && sameSocket(m.explorer.address, r.address) {
		var cmd tea.Cmd
		m.explorer, cmd = m.explorer.loadRequest(r)
		return cmd
	}
	var leave tea.Cmd
	if m.screen == screenExplorer {
		leave = m.explorer.leave()
	}
	m.screen = screenExplorer
	m.explorer.begin(r.address)
	m.explorer.pending = &r
	m.layout()
	return tea.Batch(leave, m.explorer.connectCmd())
}

// rememberUpdate hands the history page and the save prompt their
// results, and their inputs what makes a cursor blink; ok is false for a
// message that is not theirs.
func (m *Model) rememberUpdate(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case historyLoadedMsg, collectionListedMsg:
		m.history, cmd = m.history.Update(msg)
		return cmd, true
	case collectionSavedMsg:
		m.saving, cmd = m.saving.saved(msg)
		return cmd, true
	case historyRecordedMsg:
		m.historyWarning(msg)
		return nil, true
	}
	return nil, false
}
