package ui

import (
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/codes"

	"sockscope/client"
)

// maxShownBytes caps how much of one reply is laid out, so the largest reply
// accepted cannot stall the screen; the status line says how much was cut.
const maxShownBytes = 256 << 10

// maxStreamLineBytes caps each kept stream message; a line shows only a screen width anyway.
const maxStreamLineBytes = 2048

// responseView is what the response pane shows.
type responseView int

const (
	viewReplies responseView = iota
	viewInfo                 // headers, trailers, status details
	viewDescribe
)

// responsePane shows replies, streams, status and describe text.
type responsePane struct {
	common
	view responseView
	info viewport.Model // unary reply, info and describe text
	keep int

	method    string
	streaming bool
	running   bool
	started   time.Time
	elapsed   time.Duration

	header, trailer map[string][]string
	unary           string // indented JSON of the unary reply
	log             *streamLog
	scroll          int // stream rows above the tail; 0 follows the tail
	code            codes.Code
	statusMessage   string
	statusJSON      string
	failure         string // local failure: never reached the server, or bad input
	describe        string
	hint            string // what to change before sending again, when known
}

func newResponsePane(c common, keep int) responsePane {
	if keep <= 0 {
		keep = defaultStreamKeep
	}
	vp := viewport.New()
	vp.SoftWrap = true
	return responsePane{common: c, info: vp, keep: keep, log: newStreamLog(keep)}
}

func (p *responsePane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.info.SetWidth(w)
	p.info.SetHeight(max(1, h-1))
	p.refreshInfo()
}

// begin clears the pane for a new call.
func (p *responsePane) begin(method string, streaming bool, now time.Time) {
	*p = responsePane{common: p.common, info: p.info, keep: p.keep,
		method: method, streaming: streaming, running: true, started: now, log: newStreamLog(p.keep), describe: p.describe}
	p.view = viewReplies
	p.refreshInfo()
}

// clear empties the pane when another method is selected.
func (p *responsePane) clear() {
	*p = responsePane{common: p.common, info: p.info, keep: p.keep, log: newStreamLog(p.keep)}
	p.refreshInfo()
}

// showHint adds a line above the error details saying what to change.
func (p *responsePane) showHint(text string) {
	p.hint = text
	p.refreshInfo()
}

func (p *responsePane) showDescribe(text string) {
	p.describe = text
	p.view = viewDescribe
	p.refreshInfo()
	p.info.GotoTop()
}

// apply folds one call event into the pane.
func (p *responsePane) apply(ev callEvent) {
	switch {
	case ev.header != nil && ev.reply == nil && !ev.done:
		p.header = ev.header
	case ev.reply != nil:
		if p.streaming {
			text := ev.reply.text
			if len(text) > maxStreamLineBytes {
				text = text[:maxStreamLineBytes]
			}
			p.log.add(ev.reply.at, text)
		} else {
			p.unary = ev.reply.text
			p.log.total++
		}
	case ev.done:
		p.running = false
		p.elapsed = ev.elapsed
		if ev.err != nil {
			p.failure = ev.err.Error()
		}
		if st := ev.result.Status; st != nil {
			p.code, p.statusMessage = st.Code(), st.Message()
		}
		if ev.result.Header != nil {
			p.header = ev.result.Header
		}
		p.trailer = ev.result.Trailer
		p.statusJSON = ev.status
	}
	if ev.done || (ev.reply != nil && !p.streaming) {
		p.refreshInfo()
	}
}

func (p *responsePane) refreshInfo() {
	var b strings.Builder
	switch p.view {
	case viewDescribe:
		b.WriteString(p.describe)
	case viewInfo:
		p.writeInfo(&b)
	default:
		if !p.streaming && p.unary != "" {
			text := p.unary
			if len(text) > maxShownBytes {
				text = text[:maxShownBytes] + fmt.Sprintf("\n… %d more bytes not shown", len(p.unary)-maxShownBytes)
			}
			b.WriteString(colorJSON(p.styles, text))
			b.WriteString("\n")
		}
		if p.hint != "" {
			// Wrapped at word boundaries here: the viewport's soft wrap cuts words.
			b.WriteString(ansi.Wordwrap(p.styles.Title.Render("hint")+" "+p.hint, max(p.width, 20), "") + "\n")
		}
		if p.statusJSON != "" {
			b.WriteString(p.styles.Error.Render("error details") + "\n")
			b.WriteString(colorJSON(p.styles, indentCompact(p.statusJSON)) + "\n")
		}
	}
	p.info.SetContent(b.String())
}

func (p *responsePane) writeInfo(b *strings.Builder) {
	writeMD := func(title string, md map[string][]string) {
		b.WriteString(p.styles.Title.Render(title) + "\n")
		for _, line := range client.MetadataLines(md, nil) {
			b.WriteString(p.styles.JSONKey.Render(line.Key) + ": " + line.Value + "\n")
		}
		if len(md) == 0 {
			b.WriteString(p.styles.Dim.Render("(none)") + "\n")
		}
	}
	writeMD("headers", p.header)
	writeMD("trailers", p.trailer)
	if p.statusJSON != "" {
		b.WriteString(p.styles.Title.Render("status") + "\n" + colorJSON(p.styles, indentCompact(p.statusJSON)) + "\n")
	}
}

func (p responsePane) Update(msg tea.Msg) (responsePane, tea.Cmd) {
	streamList := p.streaming && p.view == viewReplies
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.Info):
			if p.view == viewInfo {
				p.view = viewReplies
			} else {
				p.view = viewInfo
			}
			p.refreshInfo()
			return p, nil
		case streamList && key.Matches(msg, p.keys.Up):
			p.scrollBy(1)
		case streamList && key.Matches(msg, p.keys.Down):
			p.scrollBy(-1)
		case streamList && key.Matches(msg, p.keys.PageUp):
			p.scrollBy(p.listHeight())
		case streamList && key.Matches(msg, p.keys.PgDn):
			p.scrollBy(-p.listHeight())
		case streamList && key.Matches(msg, p.keys.Top):
			p.scroll = p.log.len()
			p.scrollBy(0)
		case streamList && key.Matches(msg, p.keys.Bottom):
			p.scroll = 0
		case !streamList:
			var cmd tea.Cmd
			p.info, cmd = p.info.Update(msg)
			return p, cmd
		}
	case tea.MouseWheelMsg:
		if streamList {
			if msg.Button == tea.MouseWheelUp {
				p.scrollBy(3)
			} else if msg.Button == tea.MouseWheelDown {
				p.scrollBy(-3)
			}
			return p, nil
		}
		var cmd tea.Cmd
		p.info, cmd = p.info.Update(msg)
		return p, cmd
	}
	return p, nil
}

func (p *responsePane) scrollBy(n int) {
	p.scroll = max(0, min(p.scroll+n, p.log.len()-p.listHeight()))
}

func (p responsePane) listHeight() int { return max(1, p.height-1) }

// View costs the same whatever the stream's length: it reads only the rows on screen.
func (p responsePane) View() string {
	var b strings.Builder
	b.WriteString(p.statusLine(time.Now()))
	if p.streaming && p.view == viewReplies {
		h := p.listHeight()
		n := p.log.len()
		end := n - p.scroll
		start := max(0, end-h)
		for i := start; i < end; i++ {
			e := p.log.at(i)
			prefix := fmt.Sprintf("#%d %s ", e.index, e.at.Format("15:04:05.000"))
			line := p.styles.Dim.Render(prefix) + colorJSON(p.styles, truncate(e.text, p.width-len(prefix)))
			b.WriteString("\n" + line)
		}
		if n == 0 && !p.running && p.statusJSON != "" {
			b.WriteString("\n" + p.info.View())
		}
		return b.String()
	}
	b.WriteString("\n" + p.info.View())
	return b.String()
}

func (p responsePane) statusLine(now time.Time) string {
	title := p.styles.Title.Render("Response")
	if p.view == viewDescribe {
		return p.styles.Title.Render("Describe")
	}
	if p.view == viewInfo {
		title = p.styles.Title.Render("Headers & trailers")
	}
	var parts []string
	switch {
	case p.method == "" && p.failure == "":
		return title + " " + p.styles.Dim.Render("ctrl+s sends the request")
	case p.running:
		parts = append(parts, p.styles.Warning.Render("● running "+now.Sub(p.started).Round(100*time.Millisecond).String()))
	case p.failure != "":
		parts = append(parts, p.styles.Error.Render("✗ "+p.failure))
	case p.code == codes.OK:
		parts = append(parts, p.styles.StatusOK.Render("OK")+" "+p.elapsed.Round(100*time.Microsecond).String())
	default:
		parts = append(parts, p.styles.Error.Render(p.code.String()+": "+p.statusMessage)+" "+p.elapsed.Round(100*time.Microsecond).String())
	}
	if p.streaming {
		parts = append(parts, fmt.Sprintf("%d msgs", p.log.total))
		if p.running {
			parts = append(parts, fmt.Sprintf("%d/s", p.log.rate(now)))
		}
		if p.scroll > 0 {
			parts = append(parts, p.styles.Dim.Render("paused (G follows)"))
		}
	}
	return truncate(title+" "+strings.Join(parts, " · "), p.width+40)
}

func (p responsePane) help() bindings {
	short := []key.Binding{p.keys.Up, p.keys.Down, p.keys.Bottom, p.keys.Info, p.keys.Back}
	return bindings{short: short, full: [][]key.Binding{short, {p.keys.PageUp, p.keys.PgDn, p.keys.Top, p.keys.CopyCommand}}}
}
