package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
	"google.golang.org/grpc/codes"

	"sockscope/internal/safetext"
)

// View costs the same whatever the reply's size or the stream's length:
// it draws only the rows on screen.
func (p responsePane) View() string {
	var b strings.Builder
	b.WriteString(p.statusLine(time.Now()))
	for _, l := range p.hintLines() {
		b.WriteString("\n" + l)
	}
	switch {
	case p.mode == modeEmpty:
	case p.mode == modeList:
		p.listView(&b)
	default:
		if p.errorDetailsShown() {
			b.WriteString("\n" + p.styles.Error.Render("error details"))
		}
		b.WriteString("\n" + p.viewer.View())
	}
	if p.inputKind != inputNone {
		b.WriteString("\n" + p.input.View())
		if p.inputErr != "" {
			b.WriteString("\n" + p.styles.Error.Render(truncate(p.inputErr, p.width)))
		}
	} else {
		for _, l := range p.noteLines() {
			b.WriteString("\n" + l)
		}
	}
	return b.String()
}

func (p responsePane) errorDetailsShown() bool {
	return p.mode == modeReply && p.call != nil && p.call.reply == nil && p.call.status != nil
}

func (p responsePane) listView(b *strings.Builder) {
	c, h := p.call, p.listHeight()
	top, cur, n := c.list.window(c.log, h)
	rows := 0
	for r := top; r < min(n, top+h); r++ {
		e, m := c.list.item(c.log, r)
		b.WriteString("\n" + p.row(e, m, r == cur))
		rows++
	}
	if n == 0 && c.list.filter.active() && c.log.len() > 0 && !c.list.busy {
		b.WriteString("\n" + p.styles.Dim.Render("no message matches (esc shows all)"))
		rows++
	}
	if p.inputKind != inputNone || p.note != "" {
		// The input or the note goes on the pane's last lines.
		b.WriteString(strings.Repeat("\n", max(0, h-rows)))
	}
}

// row is one message: its index, arrival time, size, direction on a
// client or bidi stream, and the start of its JSON (or of what jq made of
// it).
func (p responsePane) row(e streamEntry, m shownMsg, selected bool) string {
	mark := "  "
	if selected {
		mark = p.styles.Selected.Render("▸ ")
	}
	prefix := fmt.Sprintf("#%d %s %s ", e.index, e.at.Format("15:04:05.000"), sizeText(len(e.text)))
	if p.call.method.IsStreamingClient() {
		if e.sent {
			prefix += "→ "
		} else {
			prefix += "← "
		}
	}
	rest := max(1, p.width-2-ansi.StringWidth(prefix))
	var body string
	switch {
	case m.err != "":
		body = p.styles.Error.Render(truncate(safetext.Clip(m.err, 4*rest), rest))
	case p.call.list.filter.jq != nil:
		body = drawLine(p.styles, m.out, rest)
	default:
		body = drawLine(p.styles, e.text, rest)
	}
	return mark + p.styles.Dim.Render(prefix) + body
}

func (p responsePane) statusLine(now time.Time) string {
	title := "Response"
	switch p.mode {
	case modeText:
		return paneTitle(p.styles, p.title, p.width, p.focused) + " " + p.styles.Dim.Render("esc back")
	case modeInfo:
		title = "Headers & trailers"
	case modeMessage:
		title = fmt.Sprintf("Message #%d", p.opened)
	}
	c := p.call
	if c == nil {
		return paneTitle(p.styles, title, p.width, p.focused) + " " + p.styles.Dim.Render("ctrl+s sends the request")
	}
	if p.differentMethod {
		title += " " + safeName(c.name)
	}
	var parts []string
	switch {
	case c.running:
		parts = append(parts, p.styles.Warning.Render("● running "+now.Sub(c.started).Round(100*time.Millisecond).String()))
	case c.failure != "":
		parts = append(parts, p.styles.Error.Render("✗ "+safetext.Clip(c.failure, 4*p.width)))
	case c.code == codes.OK:
		parts = append(parts, p.styles.StatusOK.Render("OK")+" "+c.elapsed.Round(100*time.Microsecond).String())
	default:
		parts = append(parts, p.styles.Error.Render(c.code.String()+": "+safetext.Clip(c.statusMessage, 4*p.width))+" "+c.elapsed.Round(100*time.Microsecond).String())
	}
	if c.streaming {
		if c.method.IsStreamingClient() {
			parts = append(parts, fmt.Sprintf("%d sent, %d received", c.log.sent, c.log.received))
		} else {
			parts = append(parts, fmt.Sprintf("%d msgs", c.log.received))
		}
		if c.running {
			parts = append(parts, c.rateText(now))
		}
		if f := c.list.filter; f.active() {
			parts = append(parts, p.filterSummary())
		}
		if p.mode == modeList && !c.list.follow {
			parts = append(parts, p.styles.Dim.Render("paused (G follows)"))
		}
	}
	if p.mode == modeReply && p.jqReply != nil {
		parts = append(parts, "jq "+p.jqReply.expr)
	}
	return truncate(paneTitle(p.styles, title, p.width, p.focused)+" "+strings.Join(parts, " · "), p.width)
}

// filterSummary says how many of the messages held the filter keeps.
func (p responsePane) filterSummary() string {
	c := p.call
	var what []string
	if c.list.filter.text != "" {
		what = append(what, fmt.Sprintf("%q", c.list.filter.text))
	}
	if c.list.filter.jq != nil {
		what = append(what, "jq "+c.list.filter.jq.expr)
	}
	count := fmt.Sprintf("%s of %s", groupDigits(c.list.count(c.log)), groupDigits(c.log.len()))
	if c.list.busy {
		count += "…"
	}
	return strings.Join(what, " ") + ": " + count
}

// wordwrap wraps plain or styled text at word boundaries to width cells,
// breaking a word only where it is wider than that: ansi.Wordwrap alone
// lets a line that breaks at a hyphen run past the width, and ansi.Wrap
// may leave the space it broke at, one cell too many, at a line's end.
func wordwrap(s string, width int) string {
	lines := strings.Split(ansi.Wrap(s, width, ""), "\n")
	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "")
		}
	}
	return strings.Join(lines, "\n")
}

func (p responsePane) help() bindings {
	var short, more []key.Binding
	switch p.mode {
	case modeList:
		short = []key.Binding{p.keys.Move, p.keys.Select, p.keys.Filter, p.keys.JQ}
		more = []key.Binding{p.keys.PageUp, p.keys.PgDn, p.keys.Top, p.keys.Info, p.keys.Save}
	case modeMessage:
		short = []key.Binding{p.keys.NextMsg, p.keys.PrevMsg, p.keys.Find}
		more = append(p.viewer.help(), p.keys.Info, p.keys.Save)
	case modeEmpty:
		short = []key.Binding{p.keys.Send}
	case modeText:
		short = []key.Binding{p.keys.Move, p.keys.Left, p.keys.Right}
		if p.commands != nil {
			short = []key.Binding{p.keys.CopyOurs, p.keys.CopyGrpcurl, p.keys.Reveal, p.keys.Right}
		}
	default:
		short = []key.Binding{p.keys.Move, p.keys.Find, p.keys.Info, p.keys.JQ, p.keys.Save}
		more = append(p.viewer.help(), p.keys.Save)
	}
	short = append(short, p.keys.Back)
	return bindings{short: short, full: [][]key.Binding{short, more}}
}

// sizeText is a byte count for a row: 812 B, 4.0 KiB, 64.0 MiB.
func sizeText(n int) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
