package ui

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/client"
	"sockscope/internal/safetext"
)

// defaultDeadline is what a new request's deadline field holds: none, as
// grpcurl has none, so that a watch runs until esc; the user may set one
// per method.
const defaultDeadline = ""

// requestField is the input inside the request pane that has the cursor.
type requestField int

const (
	fieldBody requestField = iota
	fieldMetadata
	fieldSocketMetadata
	fieldDeadline
)

// savedRequest is what the user typed for one method, kept while the
// program runs, and where each input's cursor was.
type savedRequest struct {
	body, metadata, deadline string
	bodyAt, metadataAt       cursorAt
	deadlineAt               int
}

// cursorAt is a textarea's cursor: its line and column.
type cursorAt struct{ line, col int }

// requestPane edits the JSON request, its metadata, the metadata of
// every method of the socket, and the deadline.
type requestPane struct {
	common
	body     textarea.Model
	metadata textarea.Model
	socketMD textarea.Model // sent with every method of the socket, under the method's own lines
	deadline textinput.Model
	field    requestField
	focused  bool

	method   protoreflect.MethodDescriptor
	resolver client.TypeResolver
	problem  string // why the body cannot be sent, checked as the user types
	// startKeys name the headers from the command line that every call
	// carries under the editors' lines; only names are shown, values may
	// be secrets.
	startKeys []string
	rev       uint64
}

func (p *requestPane) touch() { p.rev = nextRev() }

func newRequestPane(c common) requestPane {
	body := textarea.New()
	body.ShowLineNumbers = true
	body.Prompt = ""
	body.CharLimit = 0
	body.MaxHeight = 0
	newMD := func(placeholder string) textarea.Model {
		md := textarea.New()
		md.ShowLineNumbers = false
		md.Prompt = ""
		md.Placeholder = placeholder
		md.SetHeight(1)
		return md
	}
	dl := textinput.New()
	dl.Prompt = ""
	dl.Placeholder = "none (or 5s, 2m…)"
	dl.SetValue(defaultDeadline)
	p := requestPane{common: c, body: body, metadata: newMD("key: value (one a line)"),
		socketMD: newMD("key: value, for every method of this socket"), deadline: dl}
	p.restyle()
	return p
}

// restyle gives the editors the palette's styles.
func (p *requestPane) restyle() {
	p.body.SetStyles(p.styles.TextArea)
	p.metadata.SetStyles(p.styles.TextArea)
	p.socketMD.SetStyles(p.styles.TextArea)
	p.deadline.SetStyles(p.styles.TextInput)
	p.touch()
}

func (p *requestPane) SetSize(w, h int) {
	p.touch()
	p.width, p.height = w, h
	// Title, problem line, two metadata labels and editors, deadline line:
	// the editors get a second line when the pane is high enough.
	mdHeight := 1
	if h >= 16 {
		mdHeight = 2
	}
	p.body.SetWidth(w)
	p.body.SetHeight(max(1, h-5-2*mdHeight))
	p.metadata.SetWidth(w)
	p.metadata.SetHeight(mdHeight)
	p.socketMD.SetWidth(w)
	p.socketMD.SetHeight(mdHeight)
	p.deadline.SetWidth(max(1, w-10))
}

// load shows a method's saved request, each input's cursor where it was.
func (p *requestPane) load(md protoreflect.MethodDescriptor, saved savedRequest, resolver client.TypeResolver) {
	p.method, p.resolver = md, resolver
	p.body.SetValue(saved.body)
	placeCursor(&p.body, saved.bodyAt)
	p.metadata.SetValue(saved.metadata)
	placeCursor(&p.metadata, saved.metadataAt)
	p.deadline.SetValue(saved.deadline)
	p.deadline.SetCursor(saved.deadlineAt)
	p.validate()
}

func (p requestPane) saved() savedRequest {
	return savedRequest{
		body: p.body.Value(), metadata: p.metadata.Value(), deadline: p.deadline.Value(),
		bodyAt: cursorOf(p.body), metadataAt: cursorOf(p.metadata), deadlineAt: p.deadline.Position(),
	}
}

// newSavedRequest is a method's request before the user typed anything:
// the template, with the cursor in its first value.
func newSavedRequest(template string) savedRequest {
	return savedRequest{body: template, deadline: defaultDeadline, bodyAt: firstValue(template)}
}

// firstValue is where a person starts typing in a template: just after
// the first "key": of a value that is typed in (inside the quotes of a
// string); a message or list opening there is stepped into, since
// nothing can be typed before its brace.
func firstValue(template string) cursorAt {
	first := cursorAt{line: -1}
	for i, line := range strings.Split(template, "\n") {
		k := strings.Index(line, `": `)
		if k < 0 {
			continue
		}
		col := k + 3
		container := strings.HasPrefix(line[col:], "{") || strings.HasPrefix(line[col:], "[")
		if strings.HasPrefix(line[col:], `"`) {
			col++
		}
		at := cursorAt{line: i, col: utf8.RuneCountInString(line[:col])}
		if !container {
			return at
		}
		if first.line < 0 {
			first = at
		}
	}
	return cursorAt{line: max(0, first.line), col: first.col}
}

func cursorOf(ta textarea.Model) cursorAt { return cursorAt{line: ta.Line(), col: ta.Column()} }

// placeCursor puts a textarea's cursor at c, or as near as its text allows.
func placeCursor(ta *textarea.Model, c cursorAt) {
	ta.MoveToBegin()
	for i := 0; ta.Line() < c.line && i <= 4*ta.LineCount(); i++ {
		ta.CursorDown()
	}
	ta.CursorStart()
	ta.SetCursorColumn(c.col)
}

func (p *requestPane) focus(field requestField) tea.Cmd {
	p.touch()
	p.focused, p.field = true, field
	p.body.Blur()
	p.metadata.Blur()
	p.socketMD.Blur()
	p.deadline.Blur()
	switch field {
	case fieldMetadata:
		return p.metadata.Focus()
	case fieldSocketMetadata:
		return p.socketMD.Focus()
	case fieldDeadline:
		return p.deadline.Focus()
	default:
		return p.body.Focus()
	}
}

func (p *requestPane) blur() {
	p.touch()
	p.focused = false
	p.body.Blur()
	p.metadata.Blur()
	p.socketMD.Blur()
	p.deadline.Blur()
}

func (p requestPane) Update(msg tea.Msg) (requestPane, tea.Cmd) {
	p.touch()
	var cmd tea.Cmd
	switch p.field {
	case fieldMetadata:
		p.metadata, cmd = p.metadata.Update(msg)
	case fieldSocketMetadata:
		p.socketMD, cmd = p.socketMD.Update(msg)
	case fieldDeadline:
		p.deadline, cmd = p.deadline.Update(msg)
	default:
		before := p.body.Value()
		p.body, cmd = p.body.Update(msg)
		if p.body.Value() != before {
			p.validate()
		}
	}
	return p, cmd
}

// setBody replaces the request text (after $EDITOR) and checks it.
func (p *requestPane) setBody(text string) {
	p.body.SetValue(text)
	p.validate()
}

func (p *requestPane) validate() {
	p.touch()
	p.problem = ""
	if p.method == nil {
		return
	}
	if _, err := parseRequest(p.body.Value(), p.method.Input(), p.resolver); err != nil {
		p.problem = err.Error()
	}
}

// addSocketMetadata appends line to the socket's metadata editor unless
// a line of either editor already sets key; it reports whether it added it.
func (p *requestPane) addSocketMetadata(key, line string) bool {
	p.touch()
	for _, text := range []string{p.metadata.Value(), p.socketMD.Value()} {
		for _, l := range strings.Split(text, "\n") {
			if k, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), key) {
				return false
			}
		}
	}
	current := p.socketMD.Value()
	if strings.TrimSpace(current) != "" && !strings.HasSuffix(current, "\n") {
		current += "\n"
	}
	p.socketMD.SetValue(current + line)
	return true
}

// request builds what ctrl+s sends: the message, the method's and the
// socket's metadata, and the deadline. Errors name the field at fault;
// nothing typed is changed.
func (p requestPane) request() (msg proto.Message, methodMD, socketMD metadata.MD, deadline time.Duration, err error) {
	msg, err = parseRequest(p.body.Value(), p.method.Input(), p.resolver)
	if err != nil {
		// The InputError names the request and the place, as --call prints it.
		return nil, nil, nil, 0, err
	}
	if methodMD, err = parseMetadata(p.metadata.Value()); err != nil {
		return nil, nil, nil, 0, fmt.Errorf("metadata: %w", err)
	}
	if socketMD, err = parseMetadata(p.socketMD.Value()); err != nil {
		return nil, nil, nil, 0, fmt.Errorf("socket metadata: %w", err)
	}
	if d := strings.TrimSpace(p.deadline.Value()); d != "" && d != "none" {
		deadline, err = time.ParseDuration(d)
		if err != nil || deadline <= 0 {
			return nil, nil, nil, 0, fmt.Errorf("deadline %q: want a duration such as 5s or 2m, or nothing for none", d)
		}
	}
	return msg, methodMD, socketMD, deadline, nil
}

// parseMetadata reads an editor's `key: value` lines, blank ones skipped.
func parseMetadata(text string) (metadata.MD, error) {
	return client.ParseHeaders(metadataLines(text))
}

func metadataLines(text string) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// parseRequest reads the editor's text through the reader --call -d uses,
// so a mistake is shown here in the words and at the line and column the
// command line gives for it. Blank text is an empty message, as a call given
// no data sends. The editor holds one request: each send takes one, so a
// second is a mistake here although a stream on the command line takes it.
func parseRequest(text string, md protoreflect.MessageDescriptor, resolver client.TypeResolver) (proto.Message, error) {
	r := client.NewReader(client.InputJSON, strings.NewReader(text), md, resolver, client.ReaderOptions{})
	msg, err := r.Next()
	if err == io.EOF {
		return dynamicpb.NewMessage(md), nil
	}
	if err != nil {
		return nil, err
	}
	switch _, err := r.Next(); {
	case err == io.EOF:
		return msg, nil
	case err != nil:
		return nil, err
	}
	return nil, &client.InputError{Request: 2, Problem: "the editor sends one request at a time: send the first, then write the next in its place"}
}

func (p requestPane) View() string {
	var b strings.Builder
	title := "Request"
	if p.method != nil {
		title = "Request " + safeName(string(p.method.Input().FullName()))
	}
	b.WriteString(paneTitle(p.styles, title, p.width, p.focused) + "\n")
	b.WriteString(p.body.View() + "\n")
	if p.problem != "" {
		b.WriteString(p.styles.Error.Render(truncate("✗ "+safetext.Clip(p.problem, 4*p.width), p.width)))
	} else if p.method != nil {
		b.WriteString(p.styles.StatusOK.Render("✓ valid"))
	}
	label := "metadata"
	if len(p.startKeys) > 0 {
		label += " (flags add " + strings.Join(p.startKeys, ", ") + ")"
	}
	b.WriteString("\n" + p.styles.Dim.Render(truncate(label, p.width)) + "\n")
	b.WriteString(p.metadata.View() + "\n")
	b.WriteString(p.styles.Dim.Render(truncate("socket metadata (every method here; the lines above win)", p.width)) + "\n")
	b.WriteString(p.socketMD.View() + "\n")
	b.WriteString(p.styles.Dim.Render("deadline ") + p.deadline.View())
	return b.String()
}

func (p requestPane) help() bindings {
	short := []key.Binding{p.keys.Send, p.keys.NextPane, p.keys.Back}
	if p.method != nil && p.method.IsStreamingClient() {
		short = []key.Binding{p.keys.Send, p.keys.CloseSend, p.keys.NextPane, p.keys.Back}
	}
	full := []key.Binding{p.keys.Send, p.keys.CloseSend, p.keys.Editor, p.keys.NextPane, p.keys.PrevPane, p.keys.Back}
	return bindings{short: short, full: [][]key.Binding{full}}
}
