package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"sockscope/internal/safetext"
)

// responseMode is what the response pane shows of the call selected.
type responseMode int

const (
	modeEmpty   responseMode = iota // no call: what to do, and hints
	modeList                        // a stream's messages, one a row
	modeReply                       // a reply or the error's details, in the viewer
	modeMessage                     // one stream message, in the viewer
	modeInfo                        // headers, trailers and status
	modeText                        // describe text, command lines, help
)

// inputKind is the one-line input the response pane has open.
type inputKind int

const (
	inputNone   inputKind = iota
	inputFilter           // text the listed messages must hold
	inputJQ               // a jq expression applied to the messages or the reply
	inputSave             // the file w writes
)

// responsePane shows the selected call: a stream's list of messages, any
// message or reply in the viewer, headers and trailers; and texts such as
// describe output. Every document it shows was prepared off the update
// loop, and a frame draws only what is on screen.
type responsePane struct {
	common
	call   *callEntry
	mode   responseMode
	back   responseMode // where esc goes from info or text
	viewer viewer

	title    string // of modeText
	describe string // the text modeText shows
	hint     string // what to change before sending again, when known

	opened  int64  // the message modeMessage shows
	openID  uint64 // the formatting of a message or reply awaited
	jqReply *jqProgram

	input     textinput.Model
	inputKind inputKind
	inputErr  string // why the jq expression typed does not compile
	note      string // what the last save or copy did
	overwrite string // the file a second w overwrites
	commands  *commandView

	// differentMethod says the call shown is not of the method selected,
	// so the status line names its method.
	differentMethod bool
	focused         bool
	rev             uint64 // changes with everything the pane draws
}

func newResponsePane(c common) responsePane {
	in := textinput.New()
	p := responsePane{common: c, viewer: newViewer(c), input: in}
	p.restyle()
	return p
}

// restyle gives the inputs the palette's styles.
func (p *responsePane) restyle() {
	p.input.SetStyles(p.styles.TextInput)
	p.viewer.input.SetStyles(p.styles.TextInput)
	p.touch()
}

func (p *responsePane) touch() { p.rev = nextRev() }

func (p *responsePane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.input.SetWidth(max(1, w-4))
	p.viewer.SetSize(w, p.viewerHeight())
	p.touch()
}

// viewerHeight is what the status line, the hint and an input leave.
func (p responsePane) viewerHeight() int {
	h := p.height - 1 - len(p.hintLines())
	switch {
	case p.inputKind != inputNone && p.inputErr != "":
		h -= 2
	case p.inputKind != inputNone:
		h--
	default:
		h -= len(p.noteLines())
	}
	if p.mode == modeReply && p.call != nil && p.call.reply == nil && p.call.status != nil {
		h-- // the "error details" heading
	}
	return max(1, h)
}

func (p *responsePane) relayout() { p.viewer.SetSize(p.width, p.viewerHeight()) }

// show makes c the call the pane shows; nil shows none.
func (p *responsePane) show(c *callEntry) tea.Cmd {
	p.call, p.opened, p.jqReply, p.differentMethod = c, 0, nil, false
	p.commands = nil
	p.closeInput()
	p.note, p.overwrite = "", ""
	p.touch()
	switch {
	case c == nil:
		p.mode = modeEmpty
		return nil
	case c.streaming && !(c.log.len() == 0 && !c.running && c.status != nil):
		// A stream lists its messages, both ways; one that failed before
		// any message shows why instead.
		p.mode = modeList
		return nil
	}
	p.mode = modeReply
	p.relayout()
	return p.viewer.setDocument(p.replyDocument())
}

// clear shows nothing, for another method.
func (p *responsePane) clear() {
	p.show(nil)
	p.hint, p.describe = "", ""
}

// replyDocument is what modeReply shows: the reply, or the error's details.
func (p responsePane) replyDocument() *document {
	switch {
	case p.call == nil:
		return nil
	case p.call.reply != nil:
		return p.call.reply
	}
	return p.call.status
}

// updated redraws after the shown call's events: a reply or status that
// came is put in the viewer (through the jq program when there is one).
func (p *responsePane) updated() tea.Cmd {
	p.touch()
	if p.mode == modeEmpty && p.call != nil ||
		p.mode == modeList && p.call.log.len() == 0 && !p.call.running && p.call.status != nil {
		return p.show(p.call)
	}
	if p.mode != modeReply {
		return nil
	}
	p.relayout()
	if p.jqReply != nil {
		return p.applyJQToReply()
	}
	if d := p.replyDocument(); d != p.viewer.doc {
		return p.viewer.setDocument(d)
	}
	return nil
}

// showHint adds a line above what is shown saying what to change.
func (p *responsePane) showHint(text string) {
	p.hint = text
	p.relayout()
	p.touch()
}

// noteLines is what the last save or copy did, wrapped to the pane.
func (p responsePane) noteLines() []string {
	if p.note == "" || p.width <= 0 {
		return nil
	}
	return strings.Split(wordwrap(p.styles.Warning.Render(p.note), max(p.width, 20)), "\n")
}

func (p responsePane) hintLines() []string {
	if p.hint == "" || p.width <= 0 {
		return nil
	}
	return strings.Split(wordwrap(p.styles.Title.Render("hint")+" "+safetext.Text(p.hint), max(p.width, 20)), "\n")
}

// showText shows a text of sockscope's (help, command lines) or of the
// server's (describe) under title; esc returns to the call.
func (p *responsePane) showText(title string, d *document) tea.Cmd {
	if p.mode != modeText {
		p.back = p.mode
	}
	p.mode, p.title, p.describe = modeText, title, d.text
	p.closeInput()
	p.relayout()
	p.touch()
	return p.viewer.setDocument(d)
}

// showDescribe shows the server's own words, escaped.
func (p *responsePane) showDescribe(text string) tea.Cmd {
	p.commands = nil
	return p.showText("Describe", newTextDocument(text))
}

// toggleInfo shows headers, trailers and status, or takes them away.
func (p *responsePane) toggleInfo() tea.Cmd {
	if p.mode == modeInfo {
		return p.goBack()
	}
	if p.call == nil {
		return nil
	}
	p.back = p.mode
	p.mode = modeInfo
	p.relayout()
	p.touch()
	return p.viewer.setDocument(infoDocument(p.call))
}

// goBack leaves info, text or an open message for what was shown before.
func (p *responsePane) goBack() tea.Cmd {
	p.touch()
	switch p.mode {
	case modeMessage:
		p.mode = modeList
	case modeInfo, modeText:
		p.commands = nil
		switch {
		case p.call == nil:
			p.mode = modeEmpty
		case p.back == modeMessage:
			if e, ok := p.call.log.byIndex(p.opened); ok {
				return p.openMessage(e, shownMsg{index: e.index})
			}
			p.mode = modeList
		case p.back == modeList:
			p.mode = modeList
		default:
			return p.show(p.call)
		}
	}
	p.relayout()
	return nil
}

// wantsBack says esc has something to take back in the pane.
func (p responsePane) wantsBack() bool {
	switch {
	case p.inputKind != inputNone, p.overwrite != "":
		return true
	case p.mode == modeList:
		return p.call.list.filter.active()
	case p.mode == modeMessage, p.mode == modeInfo:
		return true
	case p.mode == modeText:
		return p.call != nil || p.viewer.wantsBack()
	case p.mode == modeReply && p.jqReply != nil:
		return true
	}
	return p.viewer.wantsBack()
}

// typing says whether keys are text for an input of the pane.
func (p responsePane) typing() bool { return p.inputKind != inputNone || p.viewer.typing() }

// listHeight is how many rows the stream list has.
func (p responsePane) listHeight() int { return p.viewerHeight() }
