package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"google.golang.org/grpc/metadata"

	"sockscope/internal/safetext"
	"sockscope/tap"
)

// View draws the screen; a frame costs the rows on screen, whatever the
// traffic.
func (p trafficPage) View() string {
	var b strings.Builder
	b.WriteString(paneTitle(p.styles, p.title(), p.width, true))
	for _, l := range p.headLines() {
		b.WriteString("\n" + l)
	}
	if p.viewing {
		b.WriteString("\n" + p.viewer.View())
		return b.String()
	}
	switch p.phase {
	case trafficAsking:
		b.WriteString("\n\n" + truncate("  "+p.keys.TapProxy.Help().Key+"  proxy: listen on a new path ("+safetext.Line(p.listenPath)+") and forward to this socket; point clients there", p.width))
		b.WriteString("\n" + truncate("  "+p.keys.TapInterpose.Help().Key+"  interpose: take over this socket's path, so its clients go through the tap unchanged; put back when the tap ends", p.width))
		b.WriteString("\n" + truncate("  esc back", p.width))
		return b.String()
	case trafficStarting:
		b.WriteString("\n" + p.styles.Dim.Render("starting the tap…"))
		return b.String()
	}
	rows := p.rows()
	n := len(p.log.calls)
	if n == 0 {
		b.WriteString("\n" + p.styles.Dim.Render(truncate("no calls yet", p.width)))
	}
	for r := p.offset; r < min(n, p.offset+rows); r++ {
		i := n - 1 - r
		b.WriteString("\n" + p.row(p.log.calls[i], i == p.cursor))
	}
	return b.String()
}

func (p trafficPage) title() string {
	switch {
	case p.viewing && p.info:
		return "Traffic · call #" + strconv.FormatUint(p.openCall, 10) + " · headers & trailers (i messages, esc list)"
	case p.viewing && p.log.byID[p.openCall] != nil && !p.log.byID[p.openCall].done:
		return "Traffic · call #" + strconv.FormatUint(p.openCall, 10) + " · running: enter shows what came since (i headers, esc list)"
	case p.viewing:
		return "Traffic · call #" + strconv.FormatUint(p.openCall, 10) + " · → client to server, ← server to client (i headers, esc list)"
	case p.phase == trafficAsking:
		return "Tap " + safetext.Line(p.address) + ": proxy or interpose?"
	}
	return "Traffic · " + safetext.Line(p.address)
}

// headLines say how the tap stands and what it last said.
func (p trafficPage) headLines() []string {
	var lines []string
	add := func(s string) { lines = append(lines, truncate(s, p.width)) }
	switch {
	case p.phase == trafficRunning && p.interpose:
		add(fmt.Sprintf("interposed: clients of %s go through the tap until esc (the server's socket is at %s meanwhile)", safetext.Line(p.listen), safetext.Line(p.upstream)))
	case p.phase == trafficRunning:
		add(fmt.Sprintf("proxy: clients connect to %s, forwarded to %s; esc ends the tap", safetext.Line(p.listen), safetext.Line(p.upstream)))
	case p.phase == trafficEnded:
		add(p.styles.Warning.Render("the tap has ended; esc goes back"))
	}
	if p.err != "" {
		add(p.styles.Error.Render(safetext.Clip(p.err, 4*p.width)))
	}
	if p.warning != "" {
		add(p.styles.Warning.Render("warning: " + safetext.Clip(p.warning, 4*p.width)))
	}
	if p.phase == trafficRunning || p.phase == trafficEnded {
		s := plural(len(p.log.calls), "call") + " · " + plural(p.log.conns, "connection")
		if p.log.others > 0 {
			s += fmt.Sprintf(" (%d in neither HTTP/2 nor ttrpc, forwarded)", p.log.others)
		}
		add(p.styles.Dim.Render(s))
		if p.log.notice != "" {
			add(p.styles.Warning.Render(safetext.Clip(p.log.notice, 4*p.width)))
		}
	}
	if p.note != "" {
		add(p.styles.Warning.Render(safetext.Clip(p.note, 4*p.width)))
	}
	return lines
}

// rows is how many calls fit under the head lines.
func (p trafficPage) rows() int { return max(1, p.height-1-len(p.headLines())) }

// row is one call: a mark for its state, when it started, the method, how
// it ended and how long it ran, the messages each way and the client.
func (p trafficPage) row(c *trafficCall, selected bool) string {
	cursor := "  "
	if selected {
		cursor = p.styles.Selected.Render("▸ ")
	}
	mark, look, state := "●", p.styles.Warning, "running"
	switch {
	case !c.done:
	case c.ok():
		mark, look, state = "✓", p.styles.StatusOK, "OK "+shortDuration(c.duration)
	case c.status != nil:
		mark, look, state = "✗", p.styles.Error, c.status.Code.String()+" "+shortDuration(c.duration)
	case strings.HasPrefix(c.note, tap.NoteClientReset):
		// A client that has what it wanted may reset the stream (grpc-go
		// does so with a reflection stream): the call did not fail.
		mark, look, state = "·", p.styles.Dim, "reset by the client "+shortDuration(c.duration)
	case strings.HasPrefix(c.note, tap.NoteServerReset):
		mark, look, state = "✗", p.styles.Error, "reset by the server "+shortDuration(c.duration)
	default:
		mark, look, state = "✗", p.styles.Error, "no status "+shortDuration(c.duration)
	}
	method := c.method
	if method == "" {
		method = "(no method)"
	}
	text := fmt.Sprintf("%s %s %s ↑%d ↓%d %s", c.started.Format("15:04:05.000"), safetext.Clip(method, 4*p.width), state,
		c.requests, c.responses, clientLabel(c.client))
	return cursor + look.Render(mark) + " " + truncate(text, max(1, p.width-4))
}

// clientLabel is who made the call, escaped.
func clientLabel(c tap.Client) string {
	return c.Label(func(command string) string { return safetext.Clip(command, 64) })
}

func (p trafficPage) help() bindings {
	k := p.keys
	var short []key.Binding
	switch {
	case p.viewing:
		short = []key.Binding{k.Move, k.Find, k.Info, k.Back}
		if c := p.log.byID[p.openCall]; c != nil && !c.done {
			short = append(short, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "show what came since")))
		}
		return bindings{short: short, full: [][]key.Binding{append(p.viewer.help(), k.Info, k.Back)}}
	case p.phase == trafficAsking:
		short = []key.Binding{k.TapProxy, k.TapInterpose, k.Back}
	default:
		short = []key.Binding{k.Move, k.Select, k.SaveCall, k.SaveAllCalls, k.Back}
	}
	return bindings{short: short, full: [][]key.Binding{{k.TapProxy, k.TapInterpose, k.Up, k.Down, k.Top, k.Bottom, k.Select, k.Info, k.SaveCall, k.SaveAllCalls, k.Back}}}
}

// trafficMessagesText is a call's messages in the order they passed, each
// under a line saying which way it went; the call's end last.
func trafficMessagesText(c *trafficCall) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  from %s\n", methodOrNone(c.method), c.protocol, clientLabelRaw(c.client))
	if c.dropped > 0 {
		fmt.Fprintf(&b, "(%d older messages are no longer held)\n", c.dropped)
	}
	for _, m := range c.msgs {
		arrow, what := "→", "request"
		if m.dir == tap.Response {
			arrow, what = "←", "response"
		}
		size := strconv.Itoa(m.size) + " bytes"
		if m.compressed {
			size += ", compressed"
		}
		fmt.Fprintf(&b, "\n%s %s %d · %s · %s\n", arrow, what, m.index, size, m.at.Format("15:04:05.000000"))
		switch {
		case m.json != nil:
			var out bytes.Buffer
			if json.Indent(&out, m.json, "", "  ") == nil {
				b.Write(out.Bytes())
			} else {
				b.Write(m.json)
			}
			b.WriteByte('\n')
		case m.raw != "":
			if m.undecoded != "" {
				b.WriteString("(" + m.undecoded + ")\n")
			}
			b.WriteString("fields by number:\n" + m.raw)
			if !strings.HasSuffix(m.raw, "\n") {
				b.WriteByte('\n')
			}
		case m.undecoded != "":
			b.WriteString("not decoded: " + m.undecoded + "\n")
		default:
			b.WriteString("(empty)\n")
		}
	}
	b.WriteString("\n" + callEndText(c) + "\n")
	return b.String()
}

// trafficInfoText is a call's request metadata, response headers and
// trailers, and status; the tap masked the secret-looking values.
func trafficInfoText(c *trafficCall) string {
	var b strings.Builder
	writeMD := func(title string, md metadata.MD) {
		b.WriteString(title + "\n")
		for _, line := range tap.MetadataLines(md, nil) {
			b.WriteString("  " + line.Key + ": " + line.Value + "\n")
		}
		if len(md) == 0 {
			b.WriteString("  (none)\n")
		}
	}
	fmt.Fprintf(&b, "%s  %s  from %s, connection %d\n", methodOrNone(c.method), c.protocol, clientLabelRaw(c.client), c.conn)
	if c.authority != "" {
		b.WriteString("authority: " + c.authority + "\n")
	}
	if c.timeout != "" {
		b.WriteString("timeout: " + c.timeout + "\n")
	}
	b.WriteByte('\n')
	writeMD("request metadata", c.metadata)
	writeMD("response headers", c.header)
	writeMD("trailers", c.trailer)
	b.WriteString("status\n  " + callEndText(c) + "\n")
	return b.String()
}

func methodOrNone(m string) string {
	if m == "" {
		return "(no method)"
	}
	return m
}

// clientLabelRaw is clientLabel for a document, which escapes it whole.
func clientLabelRaw(c tap.Client) string {
	return c.Label(func(command string) string { return command })
}

// callEndText says how the call ended, or that it runs.
func callEndText(c *trafficCall) string {
	switch {
	case !c.done:
		return fmt.Sprintf("running since %s (%d→%d so far)", c.started.Format("15:04:05.000"), c.requests, c.responses)
	case c.status == nil:
		return fmt.Sprintf("ended without a status after %s: %s", c.duration.Round(time.Microsecond), c.note)
	}
	s := fmt.Sprintf("%s after %s, %d→%d", c.status.Code, c.duration.Round(time.Microsecond), c.requests, c.responses)
	if c.status.Message != "" {
		s += ": " + c.status.Message
	}
	if c.note != "" {
		s += " (" + c.note + ")"
	}
	return s
}

// plural is n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
