package ui

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"sockscope/internal/grpcservices"
	"sockscope/internal/safetext"
	"sockscope/sockets"
)

// socketItem is one row of the sockets list.
type socketItem struct{ s sockets.Socket }

func (i socketItem) FilterValue() string {
	return i.s.Path + " " + string(i.s.Kind) + " " + strings.Join(i.s.Services, " ")
}

// socketsPane is the live list of discovered sockets.
type socketsPane struct {
	common
	list     list.Model
	spinner  spinner.Model
	scanID   int
	ctx      context.Context // ends the scan's probes and its watch
	cancel   context.CancelFunc
	started  bool
	scanning bool
	pending  int
	err      error
	scan     *sockets.Scan
	canStart bool // the empty state offers the sample server
	moved    bool // the user moved the cursor; until then it stays on the first row
	scanOpts sockets.Options
	// back is the socket the explorer showed last; before any scan, enter
	// and esc return to it, so that one esc too many loses nothing.
	back string
}

func newSocketsPane(c common, canStart bool) socketsPane {
	p := socketsPane{common: c, canStart: canStart, spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	l := list.New(nil, socketDelegate{styles: c.styles}, 0, 0)
	l.SetShowTitle(false)
	l.SetShowHelp(false)
	l.SetShowStatusBar(false)
	l.SetStatusBarItemName("socket", "sockets")
	l.DisableQuitKeybindings()
	p.list = l
	p.restyle()
	return p
}

// restyle gives the list, its filter and the spinner the palette's styles.
func (p *socketsPane) restyle() {
	p.list.Styles = p.styles.List
	p.list.FilterInput.SetStyles(p.styles.TextInput)
	p.spinner.Style = p.styles.Spinner
}

// Init starts a scan; it is also how r rescans.
func (p *socketsPane) Init(opts sockets.Options) tea.Cmd {
	p.begin(opts)
	return p.startCmd()
}

// begin readies a new scan; results of earlier scans are dropped from now on.
func (p *socketsPane) begin(opts sockets.Options) {
	if p.cancel != nil {
		p.cancel()
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.scanOpts = opts
	p.scanID++
	p.started, p.scanning, p.err = true, true, nil
}

// startCmd runs the scan begin readied; it reads the pane but does not change
// it, so tea.Model.Init can return it.
func (p socketsPane) startCmd() tea.Cmd {
	return tea.Batch(scanCmd(p.ctx, p.scanID, p.scanOpts), p.spinner.Tick)
}

func (p *socketsPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.list.SetSize(w, max(1, h-1))
}

func (p socketsPane) filtering() bool { return p.list.SettingFilter() }

func (p socketsPane) selectedAddress() string {
	if !p.started {
		return p.back
	}
	if it, ok := p.list.SelectedItem().(socketItem); ok {
		return it.s.Path
	}
	return ""
}

func (p socketsPane) Update(msg tea.Msg) (socketsPane, tea.Cmd) {
	switch msg := msg.(type) {
	case socketsScannedMsg:
		if msg.scanID != p.scanID {
			return p, nil
		}
		if msg.err != nil {
			p.scanning, p.err = false, msg.err
			return p, nil
		}
		p.scan = msg.scan
		items := make([]list.Item, len(msg.scan.Sockets))
		p.pending = 0
		for i, s := range msg.scan.Sockets {
			items[i] = socketItem{s}
			if s.Kind == sockets.KindPending {
				p.pending++
			}
		}
		cmd := p.list.SetItems(sortItems(items))
		if msg.ch == nil {
			p.scanning = false
			return p, tea.Batch(cmd, watchCmd(p.ctx, p.scanID, p.scanOpts, p.current()))
		}
		return p, tea.Batch(cmd, waitProbedCmd(msg.scanID, msg.ch))
	case socketProbedMsg:
		if msg.scanID != p.scanID {
			return p, nil
		}
		items := p.list.Items()
		index := make(map[string]int, len(items))
		for i, it := range items {
			index[it.(socketItem).s.Path] = i
		}
		for _, s := range msg.sockets {
			if i, ok := index[s.Path]; ok {
				if items[i].(socketItem).s.Kind == sockets.KindPending && s.Kind != sockets.KindPending {
					p.pending--
				}
				items[i] = socketItem{s}
			} else {
				items = append(items, socketItem{s})
			}
		}
		selected := p.selectedAddress()
		cmd := p.list.SetItems(sortItems(items))
		p.reselect(selected)
		if msg.ch == nil {
			p.scanning, p.pending = false, 0
			return p, tea.Batch(cmd, watchCmd(p.ctx, p.scanID, p.scanOpts, p.current()))
		}
		return p, tea.Batch(cmd, waitProbedCmd(msg.scanID, msg.ch))
	case socketEventMsg:
		if msg.scanID != p.scanID {
			return p, nil
		}
		items := p.list.Items()
		kept := items[:0:0]
		for _, it := range items {
			if it.(socketItem).s.Path != msg.event.Socket.Path {
				kept = append(kept, it)
			}
		}
		if msg.event.Type != sockets.Vanished {
			kept = append(kept, socketItem{msg.event.Socket})
		}
		selected := p.selectedAddress()
		cmd := p.list.SetItems(sortItems(kept))
		p.reselect(selected)
		return p, tea.Batch(cmd, waitWatchCmd(msg.scanID, msg.ch))
	case spinner.TickMsg:
		if !p.scanning {
			return p, nil
		}
		var cmd tea.Cmd
		p.spinner, cmd = p.spinner.Update(msg)
		return p, cmd
	case tea.KeyPressMsg:
		if !p.filtering() && key.Matches(msg, p.keys.Rescan) {
			return p, p.Init(p.scanOpts)
		}
		if !p.started {
			return p, nil
		}
		p.moved = true
	case tea.MouseWheelMsg:
		p.moved = true
	}
	var cmd tea.Cmd
	p.list, cmd = p.list.Update(msg)
	return p, cmd
}

func (p socketsPane) current() []sockets.Socket {
	out := make([]sockets.Socket, 0, len(p.list.Items()))
	for _, it := range p.list.Items() {
		out = append(out, it.(socketItem).s)
	}
	return out
}

// reselect keeps the cursor on the socket the user chose while rows move as
// probes finish; before any choice it stays on the first row, where gRPC
// sockets sort.
func (p *socketsPane) reselect(path string) {
	if path == "" || !p.moved {
		p.list.Select(0)
		return
	}
	for i, it := range p.list.VisibleItems() {
		if it.(socketItem).s.Path == path {
			p.list.Select(i)
			return
		}
	}
}

// sortItems puts the rows in the order every listing uses
// (sockets.CompareForListing).
func sortItems(items []list.Item) []list.Item {
	out := append([]list.Item(nil), items...)
	slices.SortStableFunc(out, func(a, b list.Item) int {
		sa, sb := a.(socketItem).s, b.(socketItem).s
		return sockets.CompareForListing(&sa, &sb)
	})
	return out
}

func (p socketsPane) View() string {
	var b strings.Builder
	if !p.started {
		b.WriteString(p.styles.Title.Render("All sockets") + "\n\n")
		b.WriteString("Not scanned: sockscope was started on one socket.\n\n")
		if p.back != "" {
			b.WriteString("Press " + p.styles.Selected.Render("enter") + " or " + p.styles.Selected.Render("esc") +
				" to go back to " + safetext.Line(p.back) + " (its calls kept running).\n")
		}
		b.WriteString("Press " + p.styles.Selected.Render("r") + " to find and probe every socket on this machine")
		b.WriteString("\n(as sockscope --scan does: each gets the HTTP/2 preface, and gRPC ones reflection and health requests).")
		return b.String()
	}
	b.WriteString(p.styles.Title.Render("Sockets") + " " + p.summary())
	switch {
	case p.err != nil:
		b.WriteString("\n" + p.styles.Error.Render("scan failed: "+safetext.Text(p.err.Error())))
	case !p.scanning && len(p.list.Items()) == 0:
		b.WriteString("\n\n" + p.emptyState())
	default:
		b.WriteString("\n" + p.list.View())
	}
	return b.String()
}

func (p socketsPane) summary() string {
	n := len(p.list.Items())
	grpc := 0
	for _, it := range p.list.Items() {
		if it.(socketItem).s.Kind == sockets.KindGRPC {
			grpc++
		}
	}
	s := fmt.Sprintf("%d found · %d gRPC", n, grpc)
	if p.scanning {
		s += fmt.Sprintf(" · %s probing %d", p.spinner.View(), p.pending)
	}
	if p.list.IsFiltered() || p.list.SettingFilter() {
		s += " · filter: " + p.list.FilterValue()
	}
	return p.styles.Dim.Render(s)
}

func (p socketsPane) emptyState() string {
	var b strings.Builder
	b.WriteString("No sockets found")
	if p.scan != nil {
		var roots []string
		for _, r := range p.scan.Roots {
			if r.SameAs == "" {
				roots = append(roots, safetext.Line(r.Path))
			}
		}
		b.WriteString(" under " + strings.Join(roots, ", "))
	}
	b.WriteString(".\n")
	if p.canStart {
		b.WriteString("\nPress " + p.styles.Selected.Render("s") + " to start the bundled sample server and explore it,")
		b.WriteString("\nor " + p.styles.Selected.Render("r") + " to scan again.")
	} else {
		b.WriteString("\nPress r to scan again, or run sockscope --demo.")
	}
	return b.String()
}

func (p socketsPane) help() bindings {
	if !p.started {
		keys := []key.Binding{p.keys.Rescan}
		if p.back != "" {
			keys = []key.Binding{p.keys.Select, p.keys.Rescan}
		}
		return bindings{short: keys, full: [][]key.Binding{keys}}
	}
	short := []key.Binding{p.keys.Move, p.keys.Select, p.keys.Filter, p.keys.Rescan, p.keys.Tap}
	if p.canStart {
		short = append(short, p.keys.StartSample)
	}
	return bindings{short: short, full: [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.Select, p.keys.Filter, p.keys.Rescan}}}
}

// socketDelegate draws one socket in two lines: kind and path, then what it
// serves (or the hint), owner and process.
type socketDelegate struct{ styles *styles }

func (d socketDelegate) Height() int                         { return 2 }
func (d socketDelegate) Spacing() int                        { return 0 }
func (d socketDelegate) Update(tea.Msg, *list.Model) tea.Cmd { return nil }

func (d socketDelegate) Render(w io.Writer, m list.Model, index int, item list.Item) {
	it, ok := item.(socketItem)
	if !ok {
		return
	}
	st := d.styles
	// Unlike --scan, the row counts the health service: it lists what the
	// explorer will offer to call, and only reflection is how the list was
	// learned.
	sum := sockets.Summarize(it.s, grpcservices.ReflectionOnly)
	width := m.Width()
	badge := fmt.Sprintf("%-10s", sum.Kind)
	if style, ok := st.Badge[sum.Kind]; ok {
		badge = style.Render(badge)
	}
	cursor := "  "
	path := truncate(sum.Path, width-13)
	if index == m.Index() {
		cursor = st.Selected.Render("▸ ")
		path = st.Selected.Render(path)
	}
	fmt.Fprintf(w, "%s%s %s\n", cursor, badge, path)
	fmt.Fprint(w, "             "+st.Dim.Render(truncate(rowDetail(sum), width-13)))
}

// rowDetail is a row's second line: short facts first (what it serves, who
// owns it, who serves it), then the service names and the note, which the
// row's width may cut.
func rowDetail(sum sockets.Summary) string {
	owner := sum.Owner
	if sum.WorldWritable {
		owner += " world-writable"
	}
	var parts []string
	for _, part := range []string{sum.Served, sum.Health, owner, sum.Process, strings.Join(sum.Services, ", "), sum.Note} {
		if part != "" {
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, " · ")
}
