package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func (p responsePane) Update(msg tea.Msg) (responsePane, tea.Cmd) {
	switch msg := msg.(type) {
	case searchDoneMsg:
		var cmd tea.Cmd
		p.viewer, cmd = p.viewer.Update(msg)
		p.touch()
		return p, cmd
	case messageOpenedMsg:
		if msg.id == p.openID {
			p.touch()
			return p, p.viewer.setDocument(msg.doc)
		}
		return p, nil
	case savedMsg:
		return p.saved(msg), nil
	case copiedMsg:
		p.copied(msg)
		return p, nil
	case tea.KeyPressMsg:
		p.touch()
		return p.handleKey(msg)
	case tea.MouseWheelMsg:
		p.touch()
		if p.mode == modeList {
			switch msg.Button {
			case tea.MouseWheelUp:
				p.call.list.move(p.call.log, -3, p.listHeight())
			case tea.MouseWheelDown:
				p.call.list.move(p.call.log, 3, p.listHeight())
			}
			return p, nil
		}
		var cmd tea.Cmd
		p.viewer, cmd = p.viewer.Update(msg)
		return p, cmd
	}
	// The rest, the cursor's blinking above all, is the input's.
	var cmd tea.Cmd
	switch {
	case p.inputKind != inputNone:
		p.input, cmd = p.input.Update(msg)
		p.touch()
	case p.viewer.typing():
		p.viewer, cmd = p.viewer.Update(msg)
		p.touch()
	}
	return p, cmd
}

func (p responsePane) handleKey(msg tea.KeyPressMsg) (responsePane, tea.Cmd) {
	if p.inputKind != inputNone {
		return p.typeInput(msg)
	}
	if p.viewer.typing() {
		var cmd tea.Cmd
		p.viewer, cmd = p.viewer.Update(msg)
		return p, cmd
	}
	if p.overwrite != "" {
		path := p.overwrite
		p.overwrite = ""
		if key.Matches(msg, p.keys.Save) {
			return p, p.saveCmd(path, true)
		}
		p.note = ""
		p.relayout()
		if key.Matches(msg, p.keys.Back) {
			return p, nil
		}
	}
	if p.mode == modeText && p.commands != nil {
		if cmd, ok := p.commandKey(msg); ok {
			return p, cmd
		}
	}
	switch {
	case key.Matches(msg, p.keys.Back):
		return p, p.handleBack()
	case key.Matches(msg, p.keys.Info) && p.mode != modeText:
		return p, p.toggleInfo()
	case key.Matches(msg, p.keys.Save) && p.call != nil && p.mode != modeText && p.mode != modeInfo:
		return p, p.openInput(inputSave)
	case key.Matches(msg, p.keys.JQ) && p.call != nil && (p.mode == modeList || p.mode == modeReply):
		return p, p.openInput(inputJQ)
	}
	if p.mode == modeList {
		return p.listKey(msg)
	}
	if p.mode == modeMessage {
		switch {
		case key.Matches(msg, p.keys.NextMsg):
			return p, p.openStep(1)
		case key.Matches(msg, p.keys.PrevMsg):
			return p, p.openStep(-1)
		}
	}
	var cmd tea.Cmd
	p.viewer, cmd = p.viewer.Update(msg)
	return p, cmd
}

// handleBack takes back what esc takes back here, innermost first.
func (p *responsePane) handleBack() tea.Cmd {
	switch {
	case p.viewer.wantsBack():
		p.viewer.back()
		return nil
	case p.mode == modeList && p.call.list.filter.text != "":
		f := p.call.list.filter
		f.text = ""
		p.input.SetValue("")
		return p.call.setFilter(f)
	case p.mode == modeList && p.call.list.filter.jq != nil, p.mode == modeReply && p.jqReply != nil:
		return p.setJQ(nil)
	}
	return p.goBack()
}

func (p responsePane) listKey(msg tea.KeyPressMsg) (responsePane, tea.Cmd) {
	l, s, h := p.call.log, &p.call.list, p.listHeight()
	switch {
	case key.Matches(msg, p.keys.Up):
		s.move(l, -1, h)
	case key.Matches(msg, p.keys.Down):
		s.move(l, 1, h)
	case key.Matches(msg, p.keys.PageUp):
		s.move(l, -h, h)
	case key.Matches(msg, p.keys.PgDn):
		s.move(l, h, h)
	case key.Matches(msg, p.keys.Top):
		s.goTop(l)
	case key.Matches(msg, p.keys.Bottom):
		s.goBottom()
	case key.Matches(msg, p.keys.Filter):
		return p, p.openInput(inputFilter)
	case key.Matches(msg, p.keys.Select):
		if e, m, ok := s.selected(l, h); ok {
			return p, p.openMessage(e, m)
		}
	}
	p.call.rev = nextRev()
	return p, nil
}

// openMessage shows one stream message in the viewer, formatted off the
// loop (through the jq program when the list has one).
func (p *responsePane) openMessage(e streamEntry, m shownMsg) tea.Cmd {
	p.mode, p.opened = modeMessage, e.index
	p.openID = nextRev()
	p.relayout()
	return openMessageCmd(p.openID, e.text, p.call.list.filter.jq)
}

// openStep opens the next (delta 1) or previous (-1) listed message.
func (p *responsePane) openStep(delta int) tea.Cmd {
	e, m, ok := p.call.list.step(p.call.log, p.opened, delta, p.listHeight())
	if !ok {
		return nil
	}
	return p.openMessage(e, m)
}
