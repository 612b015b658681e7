package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sockscope/internal/safetext"
)

// commandView is the y view: the two command lines, each on one line of
// its own to scroll sideways, never wrapped, so that selecting one with
// the mouse gives the whole command.
type commandView struct {
	in           commandInput
	ours, theirs string
}

// showCommands shows the command lines of in and copies the sockscope one.
func (p *responsePane) showCommands(in commandInput) tea.Cmd {
	p.commands = &commandView{in: in}
	p.commands.ours, p.commands.theirs = commandLines(in)
	p.note = ""
	return tea.Batch(p.showText("Command lines", p.commands.document()), copyCmd("sockscope", p.commands.ours))
}

func (v *commandView) document() *document {
	var b strings.Builder
	b.WriteString("sockscope (1 copies it):\n" + v.ours + "\n\ngrpcurl (2 copies it):\n" + v.theirs + "\n\n")
	if v.in.reveal {
		b.WriteString("secret-looking header values are shown: v masks them again")
	} else {
		b.WriteString("secret-looking header values are masked as " + secretMask + ": v shows them")
	}
	// The lines are sockscope's own; the address, method and headers in
	// them are the user's or the server's, escaped where they are drawn.
	return newOwnDocument(b.String())
}

// commandKey handles 1, 2 and v in the y view.
func (p *responsePane) commandKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	v := p.commands
	switch {
	case key.Matches(msg, p.keys.CopyOurs):
		return copyCmd("sockscope", v.ours), true
	case key.Matches(msg, p.keys.CopyGrpcurl):
		return copyCmd("grpcurl", v.theirs), true
	case key.Matches(msg, p.keys.Reveal):
		v.in.reveal = !v.in.reveal
		v.ours, v.theirs = commandLines(v.in)
		top, left := p.viewer.top, p.viewer.left
		cmd := p.viewer.setDocument(v.document())
		p.viewer.top, p.viewer.left = top, left
		p.describe = p.viewer.doc.text
		// The pane's frame is drawn again only when it is touched.
		p.touch()
		return cmd, true
	}
	return nil, false
}

// copied says what the copy did.
func (p *responsePane) copied(msg copiedMsg) {
	p.note = safetext.Line(msg.text())
	p.relayout()
	p.touch()
}
