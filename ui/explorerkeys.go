package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sockscope/reflection"
)

// Update hands msg to the pane that owns it.
func (e explorerPage) Update(msg tea.Msg) (explorerPage, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case connectedMsg:
		return e.connected(msg)
	case healthMsg:
		if msg.connID == e.connID {
			e.services.health = msg.statuses
			e.services.touch()
		}
		return e, nil
	case callEventsMsg:
		return e.receive(msg)
	case filterEvalMsg:
		if c := e.byID[msg.callID]; c != nil {
			cmd = c.filtered(msg)
			e.response.touch()
		}
		return e, cmd
	case searchDoneMsg, messageOpenedMsg, savedMsg, copiedMsg:
		e.response, cmd = e.response.Update(msg)
		return e, cmd
	case tickMsg:
		return e.tick()
	case editorClosedMsg:
		if msg.err != nil {
			cmd = errCmd(fmt.Errorf("editor: %w", msg.err))
		}
		if sel := e.services.selected(); sel != nil && reflection.MethodName(sel) == msg.method {
			e.request.setBody(msg.text)
		}
		return e, cmd
	case tea.BackgroundColorMsg:
		// The panes draw with the shared styles, which the root has
		// rebuilt; the bubbles inside them keep copies.
		e.request.restyle()
		e.services.restyle()
		e.response.restyle()
		e.calls.touch()
		return e, nil
	case tea.KeyPressMsg:
		return e.handleKey(msg)
	case tea.MouseWheelMsg:
		if msg.Mouse().X < e.leftWidth {
			return e, e.followSelection(e.updateServices(msg))
		}
		e.response, cmd = e.response.Update(msg)
		return e, cmd
	}
	// The rest, such as an input's cursor blinking, belongs to the input
	// that has the keyboard.
	switch {
	case e.focus == focusServices:
		e.services, cmd = e.services.Update(msg)
	case e.requestFocused():
		e.request, cmd = e.request.Update(msg)
	case e.focus == focusResponse:
		e.response, cmd = e.response.Update(msg)
	}
	return e, cmd
}

func (e explorerPage) handleKey(msg tea.KeyPressMsg) (explorerPage, tea.Cmd) {
	typing := e.typing()
	if e.focus == focusServices && e.services.askingSchema {
		return e.typeSchema(msg)
	}
	if e.focus == focusServices && e.services.filterShown() && key.Matches(msg, e.keys.Back) {
		// esc takes the filter away before it takes the user back.
		return e, e.followSelection(func() tea.Cmd { e.services.clearFilter(); return nil })
	}
	if e.focus == focusServices && e.services.filtering && !key.Matches(msg, e.keys.NextPane, e.keys.PrevPane, e.keys.Send) {
		return e, e.followSelection(e.updateServices(msg))
	}
	if e.focus == focusResponse && (e.response.typing() || key.Matches(msg, e.keys.Back) && e.response.wantsBack()) {
		var cmd tea.Cmd
		e.response, cmd = e.response.Update(msg)
		return e, tea.Batch(cmd, e.rememberJQ())
	}
	switch {
	case key.Matches(msg, e.keys.Back):
		// What y or d opened closes first, from whatever pane they were
		// pressed in; then the call shown is cancelled; then focus goes back.
		if e.response.mode == modeText {
			return e, e.response.goBack()
		}
		if !e.response.call.cancel() && e.focus != focusServices {
			return e.setFocus(focusServices)
		}
		return e, nil
	case key.Matches(msg, e.keys.NextPane):
		return e.cycleFocus(1)
	case key.Matches(msg, e.keys.PrevPane):
		return e.cycleFocus(-1)
	case key.Matches(msg, e.keys.Send):
		return e.send()
	case key.Matches(msg, e.keys.CloseSend) && e.openStream() != nil:
		e.openStream().closeSend()
		return e, nil
	case key.Matches(msg, e.keys.Editor) && e.services.selected() != nil:
		return e, openEditorCmd(reflection.MethodName(e.services.selected()), e.request.body.Value())
	case key.Matches(msg, e.keys.LoadSchema):
		e, cmd := e.setFocus(focusServices)
		return e, tea.Batch(cmd, e.services.askSchema(e.state().schema))
	case key.Matches(msg, e.keys.Reload):
		return e.reopen()
	case !typing && key.Matches(msg, e.keys.CopyCommand):
		return e.copyCommand()
	case !typing && key.Matches(msg, e.keys.CancelAll):
		e.cancelAll()
		return e, nil
	case !typing && e.response.commands != nil && key.Matches(msg, e.keys.CopyOurs, e.keys.CopyGrpcurl, e.keys.Reveal):
		// The command lines' own keys work from any pane while they show.
		cmd, _ := e.response.commandKey(msg)
		return e, cmd
	}
	var cmd tea.Cmd
	switch e.focus {
	case focusServices:
		if key.Matches(msg, e.keys.Select) && e.services.selected() != nil {
			return e.setFocus(focusBody)
		}
		if key.Matches(msg, e.keys.Describe) {
			return e.describeSelected()
		}
		if key.Matches(msg, e.keys.Unserved) {
			return e, e.followSelection(func() tea.Cmd { e.services.toggleUnserved(); return nil })
		}
		cmd = e.followSelection(e.updateServices(msg))
	case focusBody, focusMetadata, focusSocketMetadata, focusDeadline:
		e.request, cmd = e.request.Update(msg)
	case focusResponse:
		e.response, cmd = e.response.Update(msg)
		cmd = tea.Batch(cmd, e.rememberJQ())
	case focusCalls:
		return e.callsKey(msg)
	}
	return e, cmd
}

// followSelection runs change on the services pane and, when that moved
// the selection to another method, switches the request pane to it.
func (e *explorerPage) followSelection(change func() tea.Cmd) tea.Cmd {
	before := e.services.selected()
	cmd := change()
	if after := e.services.selected(); after != before {
		cmd = tea.Batch(cmd, e.switchMethod(after))
	}
	return cmd
}

// updateServices is the change of handing msg to the services pane.
func (e *explorerPage) updateServices(msg tea.Msg) func() tea.Cmd {
	return func() tea.Cmd {
		var cmd tea.Cmd
		e.services, cmd = e.services.Update(msg)
		return cmd
	}
}

func (e explorerPage) cycleFocus(delta int) (explorerPage, tea.Cmd) {
	idx := 0
	for i, f := range explorerFocusOrder {
		if f == e.focus {
			idx = i
		}
	}
	idx = (idx + delta + len(explorerFocusOrder)) % len(explorerFocusOrder)
	return e.setFocus(explorerFocusOrder[idx])
}

func (e explorerPage) setFocus(f focus) (explorerPage, tea.Cmd) {
	e.focus = f
	if f != focusServices {
		e.services.endTyping()
	}
	e.services.focused, e.calls.focused, e.response.focused = f == focusServices, f == focusCalls, f == focusResponse
	e.calls.touch()
	e.response.touch()
	switch f {
	case focusBody:
		return e, e.request.focus(fieldBody)
	case focusMetadata:
		return e, e.request.focus(fieldMetadata)
	case focusSocketMetadata:
		return e, e.request.focus(fieldSocketMetadata)
	case focusDeadline:
		return e, e.request.focus(fieldDeadline)
	}
	e.request.blur()
	return e, nil
}
