package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sockscope/client"
)

// openInput opens the filter, jq or save input in the pane's last line.
func (p *responsePane) openInput(kind inputKind) tea.Cmd {
	p.inputKind, p.inputErr = kind, ""
	switch kind {
	case inputFilter:
		p.input.Prompt, p.input.Placeholder = "/ ", "text the messages hold"
		p.input.SetValue(p.call.list.filter.text)
	case inputJQ:
		p.input.Prompt, p.input.Placeholder = "| ", "jq expression, such as .items[] | .name"
		p.input.SetValue(p.jqExpr())
	case inputSave:
		p.input.Prompt, p.input.Placeholder = "write to ", "file name"
		p.input.SetValue(p.saveName())
	}
	p.input.CursorEnd()
	p.relayout()
	return p.input.Focus()
}

func (p *responsePane) closeInput() {
	p.inputKind, p.inputErr = inputNone, ""
	p.input.Blur()
	p.relayout()
}

// jqExpr is the expression applied to what is shown.
func (p responsePane) jqExpr() string {
	switch {
	case p.call == nil:
		return ""
	case p.mode == modeReply && p.jqReply != nil:
		return p.jqReply.expr
	case p.call.list.filter.jq != nil:
		return p.call.list.filter.jq.expr
	}
	return ""
}

func (p responsePane) typeInput(msg tea.KeyPressMsg) (responsePane, tea.Cmd) {
	kind := p.inputKind
	switch {
	case key.Matches(msg, p.keys.Select):
		if kind == inputSave {
			path := strings.TrimSpace(p.input.Value())
			p.closeInput()
			return p, p.saveCmd(path, false)
		}
		if p.inputErr == "" {
			p.closeInput()
		}
		return p, nil
	case key.Matches(msg, p.keys.Back):
		p.closeInput()
		switch kind {
		case inputFilter:
			f := p.call.list.filter
			f.text = ""
			return p, p.call.setFilter(f)
		case inputJQ:
			return p, p.setJQ(nil)
		}
		return p, nil
	}
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.input.Value() == before {
		return p, cmd
	}
	switch kind {
	case inputFilter:
		f := p.call.list.filter
		f.text = p.input.Value()
		cmd = tea.Batch(cmd, p.call.setFilter(f))
	case inputJQ:
		prog, err := compileJQ(p.input.Value())
		if err != nil {
			// The expression stays as typed; what is shown keeps the last
			// one that compiled.
			p.inputErr = err.Error()
			return p, cmd
		}
		p.inputErr = ""
		cmd = tea.Batch(cmd, p.setJQ(prog))
	}
	return p, cmd
}

// setJQ applies prog (nil for none) to what the pane shows.
func (p *responsePane) setJQ(prog *jqProgram) tea.Cmd {
	if p.mode == modeReply {
		p.jqReply = prog
		if prog == nil {
			return p.viewer.setDocument(p.replyDocument())
		}
		return p.applyJQToReply()
	}
	f := p.call.list.filter
	f.jq = prog
	return p.call.setFilter(f)
}

func (p *responsePane) applyJQToReply() tea.Cmd {
	d := p.replyDocument()
	if d == nil {
		return nil
	}
	p.openID = nextRev()
	return jqDocumentCmd(p.openID, p.jqReply, d.text)
}

// infoDocument lists the call's headers and trailers (each value escaped,
// a binary one as base64, the status details decoded) and its status.
func infoDocument(c *callEntry) *document {
	var b strings.Builder
	writeMD := func(title string, md map[string][]string) {
		b.WriteString(title + "\n")
		for _, line := range client.MetadataLines(md, nil) {
			b.WriteString("  " + line.Key + ": " + line.Value + "\n")
		}
		if len(md) == 0 {
			b.WriteString("  (none)\n")
		}
	}
	writeMD("headers", c.header)
	writeMD("trailers", c.trailer)
	if c.status != nil {
		b.WriteString("status\n" + c.status.text + "\n")
	}
	return newOwnDocument(b.String())
}
