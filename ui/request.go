package ui

import (
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/client"
)

// defaultDeadline is what a new request's deadline field holds; the user may
// clear it for a stream that should run until esc.
const defaultDeadline = "30s"

// requestField is the input inside the request pane that has the cursor.
type requestField int

const (
	fieldBody requestField = iota
	fieldMetadata
	fieldDeadline
)

// savedRequest is what the user typed for one method, kept while the
// program runs.
type savedRequest struct {
	body, metadata, deadline string
}

// requestPane edits the JSON request, its metadata and its deadline.
type requestPane struct {
	common
	body     textarea.Model
	metadata textarea.Model
	deadline textinput.Model
	field    requestField
	focused  bool

	method   protoreflect.MethodDescriptor
	resolver client.TypeResolver
	problem  string // why the body cannot be sent, checked as the user types
	// startKeys name the headers from the command line that every call
	// carries under the editor's lines; only names are shown, values may
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
	md := textarea.New()
	md.ShowLineNumbers = false
	md.Prompt = ""
	md.Placeholder = "key: value (one a line)"
	md.SetHeight(2)
	dl := textinput.New()
	dl.Prompt = ""
	dl.Placeholder = "none"
	dl.SetValue(defaultDeadline)
	p := requestPane{common: c, body: body, metadata: md, deadline: dl}
	p.restyle()
	return p
}

// restyle gives the editors the palette's styles.
func (p *requestPane) restyle() {
	p.body.SetStyles(p.styles.TextArea)
	p.metadata.SetStyles(p.styles.TextArea)
	p.deadline.SetStyles(p.styles.TextInput)
	p.touch()
}

func (p *requestPane) SetSize(w, h int) {
	p.touch()
	p.width, p.height = w, h
	// Title, problem line, metadata label + 2 lines, deadline line.
	p.body.SetWidth(w)
	p.body.SetHeight(max(1, h-6))
	p.metadata.SetWidth(w)
	p.deadline.SetWidth(max(1, w-10))
}

// load shows a method's saved request, or its template when it has none.
func (p *requestPane) load(md protoreflect.MethodDescriptor, saved savedRequest, resolver client.TypeResolver) {
	p.method, p.resolver = md, resolver
	p.body.SetValue(saved.body)
	p.body.MoveToBegin()
	p.metadata.SetValue(saved.metadata)
	p.deadline.SetValue(saved.deadline)
	p.validate()
}

func (p requestPane) saved() savedRequest {
	return savedRequest{body: p.body.Value(), metadata: p.metadata.Value(), deadline: p.deadline.Value()}
}

func (p *requestPane) focus(field requestField) tea.Cmd {
	p.touch()
	p.focused, p.field = true, field
	p.body.Blur()
	p.metadata.Blur()
	p.deadline.Blur()
	switch field {
	case fieldMetadata:
		return p.metadata.Focus()
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
	p.deadline.Blur()
}

func (p requestPane) Update(msg tea.Msg) (requestPane, tea.Cmd) {
	p.touch()
	var cmd tea.Cmd
	switch p.field {
	case fieldMetadata:
		p.metadata, cmd = p.metadata.Update(msg)
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

// addMetadata appends line to the metadata editor unless a line already
// sets key; it reports whether it added it.
func (p *requestPane) addMetadata(key, line string) bool {
	p.touch()
	current := p.metadata.Value()
	for _, l := range strings.Split(current, "\n") {
		if k, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return false
		}
	}
	if strings.TrimSpace(current) != "" && !strings.HasSuffix(current, "\n") {
		current += "\n"
	}
	p.metadata.SetValue(current + line)
	return true
}

// request builds what ctrl+s sends: the message, the metadata and the deadline.
// Errors name the field at fault; nothing typed is changed.
func (p requestPane) request() (proto.Message, metadata.MD, time.Duration, error) {
	msg, err := parseRequest(p.body.Value(), p.method.Input(), p.resolver)
	if err != nil {
		// The InputError names the request and the place, as --call prints it.
		return nil, nil, 0, err
	}
	var lines []string
	for _, l := range strings.Split(p.metadata.Value(), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	md, err := client.ParseHeaders(lines)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("metadata: %w", err)
	}
	var deadline time.Duration
	if d := strings.TrimSpace(p.deadline.Value()); d != "" && d != "none" {
		deadline, err = time.ParseDuration(d)
		if err != nil || deadline <= 0 {
			return nil, nil, 0, fmt.Errorf("deadline %q: want a duration such as 5s or 2m, or nothing for none", d)
		}
	}
	return msg, md, deadline, nil
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
		title = "Request " + string(p.method.Input().FullName())
	}
	b.WriteString(p.styles.Title.Render(truncate(title, p.width)) + "\n")
	b.WriteString(p.body.View() + "\n")
	if p.problem != "" {
		b.WriteString(p.styles.Error.Render(truncate("✗ "+p.problem, p.width)))
	} else if p.method != nil {
		b.WriteString(p.styles.StatusOK.Render("✓ valid"))
	}
	label := "metadata"
	if len(p.startKeys) > 0 {
		label += " (flags add " + strings.Join(p.startKeys, ", ") + ")"
	}
	b.WriteString("\n" + p.styles.Dim.Render(truncate(label, p.width)) + "\n")
	b.WriteString(p.metadata.View() + "\n")
	b.WriteString(p.styles.Dim.Render("deadline ") + p.deadline.View())
	return b.String()
}

func (p requestPane) help() bindings {
	short := []key.Binding{p.keys.Send, p.keys.CloseSend, p.keys.Editor, p.keys.NextPane, p.keys.Back}
	return bindings{short: short, full: [][]key.Binding{short, {p.keys.PrevPane, p.keys.ForceQuit}}}
}
