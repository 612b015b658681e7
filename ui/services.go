package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/internal/safetext"
	"sockscope/reflection"
)

// servicesPane is the tree of services and their methods on one socket.
type servicesPane struct {
	common
	rows    []serviceRow
	cursor  int // index into rows; always a method row when any exists
	offset  int // first row shown
	loading bool
	err     error
	title   string
	// health maps a service to its grpc.health.v1 status, once the server
	// has answered; only what is not SERVING is shown.
	health map[string]string
	// all is every method; rows show those the filter keeps.
	all []protoreflect.MethodDescriptor
	// broken are the services reflection lists but the listing left out,
	// each with why; builtIn those described by their built-in definition.
	broken  []brokenService
	builtIn map[string]bool
	// notServed are the services the server does not serve, each with
	// why, marked as such; hidden are those whose methods are hidden: the
	// ones known when the list was made or u was pressed, so that a call's
	// answer never moves the cursor away. showUnserved is the choice to
	// see them all (--show-unserved, u).
	notServed    map[string]string
	hidden       map[string]bool
	showUnserved bool
	// insecure says the connection does not verify the server's
	// certificate (--insecure), which the pane says under its title.
	insecure  bool
	filter    textinput.Model
	filtering bool // the filter has the keyboard
	// schemaInput takes the .proto files and protosets ctrl+o loads.
	schemaInput  textinput.Model
	askingSchema bool
	focused      bool
	rev          uint64
}

func (p *servicesPane) touch() { p.rev = nextRev() }

// serviceRow is a service heading (method nil), one of its methods, or
// a line of note under a heading (why a service is not listed).
type serviceRow struct {
	service string
	method  protoreflect.MethodDescriptor
	note    string
}

func newServicesPane(c common) servicesPane {
	filter := textinput.New()
	filter.Prompt = "/ "
	filter.Placeholder = "words in pkg.Service/Method"
	schema := textinput.New()
	schema.Prompt = "schema: "
	schema.Placeholder = "api.proto -I protos, or x.protoset"
	p := servicesPane{common: c, filter: filter, schemaInput: schema}
	p.restyle()
	return p
}

// restyle gives the filter the palette's styles.
func (p *servicesPane) restyle() {
	p.filter.SetStyles(p.styles.TextInput)
	p.schemaInput.SetStyles(p.styles.TextInput)
	p.touch()
}

func (p *servicesPane) SetSize(w, h int) {
	rewrap := w != p.width && len(p.broken) > 0
	p.width, p.height = w, h
	p.touch()
	if rewrap {
		p.applyFilter()
	}
	p.clampOffset()
}

// setMethods shows a new socket's methods, unfiltered.
func (p *servicesPane) setMethods(methods []protoreflect.MethodDescriptor) {
	p.all = methods
	p.health = nil
	p.broken, p.builtIn, p.notServed, p.hidden = nil, nil, nil, nil
	p.endTyping()
	p.filter.SetValue("")
	p.cursor, p.offset = 0, 0
	p.applyFilter()
}

// endTyping gives the keys back to the list, keeping the filter.
func (p *servicesPane) endTyping() {
	p.touch()
	p.filtering = false
	p.filter.Blur()
}

// typing says whether keys are text for the filter or the schema input.
func (p servicesPane) typing() bool { return p.filtering || p.askingSchema }

// askSchema opens the schema input, holding the files loaded so far.
func (p *servicesPane) askSchema(current reflection.Options) tea.Cmd {
	p.endTyping()
	p.askingSchema = true
	p.schemaInput.SetValue(schemaFilesText(current))
	p.schemaInput.CursorEnd()
	p.schemaInput.SetWidth(max(1, p.width-9))
	p.touch()
	return p.schemaInput.Focus()
}

func (p *servicesPane) endSchema() {
	p.askingSchema = false
	p.schemaInput.Blur()
	p.touch()
}

// shownTitle keeps the end of a long socket path, where its name is,
// escaped, and leaves room for the focus mark.
func (p servicesPane) shownTitle() string {
	width := p.width
	if p.focused {
		width -= 2
	}
	if width <= 0 {
		return ""
	}
	title := safeName(p.title)
	if ansi.StringWidth(title) <= width {
		return title
	}
	return "…" + ansi.TruncateLeft(title, ansi.StringWidth(title)-width+1, "")
}

func (p servicesPane) Update(msg tea.Msg) (servicesPane, tea.Cmd) {
	p.touch()
	switch msg.(type) {
	case tea.KeyPressMsg, tea.MouseWheelMsg:
	default:
		// The rest, the cursor's blinking above all, is the filter's while
		// it has the keyboard.
		var cmd tea.Cmd
		switch {
		case p.askingSchema:
			p.schemaInput, cmd = p.schemaInput.Update(msg)
		case p.filtering:
			p.filter, cmd = p.filter.Update(msg)
		}
		return p, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && p.askingSchema {
		var cmd tea.Cmd
		p.schemaInput, cmd = p.schemaInput.Update(msg)
		return p, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && p.filtering {
		// Enter keeps the filter and gives the keys back to the list.
		if key.Matches(msg, p.keys.Select) {
			p.endTyping()
			return p, nil
		}
		var cmd tea.Cmd
		p.filter, cmd = p.filter.Update(msg)
		p.applyFilter()
		return p, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(msg, p.keys.Filter):
			p.filtering = true
			p.clampOffset()
			return p, p.filter.Focus()
		case key.Matches(msg, p.keys.Up):
			p.moveCursor(-1, false)
		case key.Matches(msg, p.keys.Down):
			p.moveCursor(1, false)
		case key.Matches(msg, p.keys.Top):
			p.cursor = 0
			p.moveCursor(1, true)
		case key.Matches(msg, p.keys.Bottom):
			p.cursor = len(p.rows) - 1
			p.moveCursor(-1, true)
		}
	}
	if wheel, ok := msg.(tea.MouseWheelMsg); ok {
		switch wheel.Button {
		case tea.MouseWheelUp:
			p.moveCursor(-1, false)
		case tea.MouseWheelDown:
			p.moveCursor(1, false)
		}
	}
	return p, nil
}

func (p servicesPane) View() string {
	var b strings.Builder
	b.WriteString(paneTitle(p.styles, p.shownTitle(), p.width, p.focused))
	for _, l := range p.extraLines() {
		b.WriteString("\n" + l)
	}
	if p.filterShown() {
		p.filter.SetWidth(max(1, p.width-2))
		if p.filtering {
			b.WriteString("\n" + p.filter.View())
		} else {
			b.WriteString("\n" + p.styles.Dim.Render(truncate("/ "+p.filter.Value()+" (esc shows all)", p.width)))
		}
	}
	switch {
	case !p.loading && p.err == nil && len(p.rows) == 0 && len(p.all) > 0:
		b.WriteString("\n" + p.styles.Dim.Render("no method matches"))
	case p.loading:
		b.WriteString("\n" + p.styles.Dim.Render("loading services…"))
	case p.err != nil:
		b.WriteString("\n" + p.styles.Error.Width(p.width).Render(safetext.Text(p.err.Error())))
	case len(p.rows) == 0:
		b.WriteString("\n" + p.styles.Dim.Render("no services"))
	}
	end := min(len(p.rows), p.offset+p.listHeight())
	for i := p.offset; i < end; i++ {
		r := p.rows[i]
		b.WriteByte('\n')
		switch {
		case r.note != "":
			b.WriteString(p.styles.Dim.Render("  " + r.note))
			continue
		case r.method == nil:
			b.WriteString(p.serviceHeading(r.service))
			continue
		}
		kind := reflection.RPCKind(r.method)
		name := truncate(safeName(string(r.method.Name())), p.width-lipgloss.Width(kind)-3)
		line := fmt.Sprintf("  %s %s", name, p.styles.RPCKind.Render(kind))
		if i == p.cursor {
			line = p.styles.Selected.Render("▸ "+name) + " " + p.styles.RPCKind.Render(kind)
		}
		b.WriteString(line)
	}
	if p.askingSchema {
		for n := end - p.offset; n < p.listHeight(); n++ {
			b.WriteByte('\n')
		}
		b.WriteString("\n" + p.schemaInput.View())
	}
	return b.String()
}

func (p servicesPane) help() bindings {
	if p.typing() {
		return bindings{short: []key.Binding{p.keys.Select, p.keys.Back}}
	}
	short := []key.Binding{p.keys.Move, p.keys.Select, p.keys.Filter, p.keys.Describe, p.keys.CopyCommand}
	if len(p.notServed) > 0 {
		short = append(short, p.keys.Unserved)
	}
	return bindings{short: short, full: [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.Top, p.keys.Bottom, p.keys.Select,
		p.keys.Filter, p.keys.Describe, p.keys.CopyCommand, p.keys.Unserved, p.keys.LoadSchema, p.keys.Reload, p.keys.Back}}}
}

// truncate cuts plain text s to width cells, marking the cut.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}
