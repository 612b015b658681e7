package ui

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// styles holds every style the panes use, named for what they mean so a
// theme change touches only newStyles.
type styles struct {
	Title       lipgloss.Style
	Pane        lipgloss.Style
	PaneFocused lipgloss.Style
	Selected    lipgloss.Style
	Dim         lipgloss.Style
	Error       lipgloss.Style
	Warning     lipgloss.Style
	StatusOK    lipgloss.Style
	Badge       map[string]lipgloss.Style
	RPCKind     lipgloss.Style

	JSONKey    lipgloss.Style
	JSONString lipgloss.Style
	JSONNumber lipgloss.Style
	JSONLit    lipgloss.Style
	JSONPunct  lipgloss.Style
	Match      lipgloss.Style
	MatchNow   lipgloss.Style

	// draw holds the escape sequences that open and close each look of
	// a document's text, taken from the styles above once, so that a
	// frame writes them as they are instead of rendering each token.
	draw [drawLooks]sgr
	// theme tells one set of styles from the next, for the frame caches.
	theme uint64

	// The bubbles' own styles, from the same palette, so that nothing
	// keeps the dark defaults on a light background.
	TextArea  textarea.Styles
	TextInput textinput.Styles
	Help      help.Styles
	List      list.Styles
	Spinner   lipgloss.Style
}

// drawLook is how a run of a document's text looks: a JSON token's kind,
// or a search match.
type drawLook int

const (
	drawPlain drawLook = iota
	drawKey
	drawString
	drawNumber
	drawLiteral
	drawPunct
	drawMatch
	drawCurrent
	drawLooks
)

// drawStyle is the look of a JSON token; the kinds and looks share an order.
func drawStyle(k tokenKind) drawLook { return drawLook(k) }

// sgr is the text written before and after a run in one style.
type sgr struct{ open, close string }

func sgrOf(st lipgloss.Style) sgr {
	r := st.Render("X")
	i := strings.Index(r, "X")
	if i < 0 {
		return sgr{}
	}
	return sgr{open: r[:i], close: r[i+1:]}
}

func newStyles(isDark bool) styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#7D79F6"))
	subtle := ld(lipgloss.Color("#9B9B9B"), lipgloss.Color("#5C5C5C"))
	red := ld(lipgloss.Color("#C4282D"), lipgloss.Color("#FF6B6B"))
	green := ld(lipgloss.Color("#1B7F3B"), lipgloss.Color("#5FD787"))
	yellow := ld(lipgloss.Color("#9A6700"), lipgloss.Color("#E5C07B"))
	blue := ld(lipgloss.Color("#0B61A4"), lipgloss.Color("#61AFEF"))
	magenta := ld(lipgloss.Color("#8A3FA0"), lipgloss.Color("#C678DD"))

	text := ld(lipgloss.Color("#1F1F1F"), lipgloss.Color("#DADADA"))
	faint := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#A0A0A0"))
	surface := ld(lipgloss.Color("#ECECF4"), lipgloss.Color("#26263A"))

	pane := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(subtle).Padding(0, 1)
	badge := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Bold(true).Foreground(c) }
	s := styles{
		Title:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		Pane:        pane,
		PaneFocused: pane.Border(lipgloss.ThickBorder()).BorderForeground(accent),
		Selected:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Dim:         lipgloss.NewStyle().Foreground(subtle),
		Error:       lipgloss.NewStyle().Foreground(red),
		Warning:     lipgloss.NewStyle().Foreground(yellow),
		StatusOK:    lipgloss.NewStyle().Foreground(green),
		RPCKind:     lipgloss.NewStyle().Foreground(magenta),
		Badge: map[string]lipgloss.Style{
			"grpc":       badge(green),
			"http1":      badge(yellow),
			"http2":      badge(yellow),
			"other":      badge(subtle),
			"silent":     badge(subtle),
			"stale":      badge(red),
			"denied":     badge(red),
			"not-stream": badge(subtle),
			"unprobed":   badge(subtle),
		},
		JSONKey:    lipgloss.NewStyle().Foreground(blue),
		JSONString: lipgloss.NewStyle().Foreground(green),
		JSONNumber: lipgloss.NewStyle().Foreground(yellow),
		JSONLit:    lipgloss.NewStyle().Foreground(magenta),
		JSONPunct:  lipgloss.NewStyle().Foreground(subtle),
		Match:      lipgloss.NewStyle().Reverse(true),
		MatchNow:   lipgloss.NewStyle().Reverse(true).Bold(true).Foreground(yellow),
	}
	for look, st := range map[drawLook]lipgloss.Style{
		drawKey: s.JSONKey, drawString: s.JSONString, drawNumber: s.JSONNumber,
		drawLiteral: s.JSONLit, drawPunct: s.JSONPunct, drawMatch: s.Match, drawCurrent: s.MatchNow,
	} {
		s.draw[look] = sgrOf(st)
	}
	s.theme = nextRev()
	s.componentStyles(text, faint, subtle, accent, surface)
	return s
}

// componentStyles styles the bubbles (editors, inputs, help, the sockets
// list, the spinner) from the palette.
func (s *styles) componentStyles(text, faint, subtle, accent, surface color.Color) {
	plain := lipgloss.NewStyle().Foreground(text)
	dim := lipgloss.NewStyle().Foreground(faint)
	ta := textarea.Styles{Cursor: textarea.CursorStyle{Color: accent, Shape: tea.CursorBlock, Blink: true}}
	ta.Focused = textarea.StyleState{
		Base: lipgloss.NewStyle(), Text: plain, Prompt: dim, Placeholder: s.Dim,
		LineNumber: s.Dim, CursorLineNumber: lipgloss.NewStyle().Foreground(accent),
		CursorLine: lipgloss.NewStyle().Background(surface), EndOfBuffer: s.Dim,
		Selection: lipgloss.NewStyle().Background(subtle),
	}
	ta.Blurred = ta.Focused
	ta.Blurred.Text, ta.Blurred.CursorLine, ta.Blurred.CursorLineNumber = dim, dim, s.Dim
	s.TextArea = ta

	s.TextInput = textinput.Styles{Cursor: textinput.CursorStyle{Color: accent, Shape: tea.CursorBlock, Blink: true}}
	s.TextInput.Focused = textinput.StyleState{Text: plain, Placeholder: s.Dim, Suggestion: s.Dim, Prompt: lipgloss.NewStyle().Foreground(accent)}
	s.TextInput.Blurred = textinput.StyleState{Text: dim, Placeholder: s.Dim, Suggestion: s.Dim, Prompt: dim}

	key := lipgloss.NewStyle().Foreground(text).Bold(true)
	sep := lipgloss.NewStyle().Foreground(subtle)
	s.Help = help.Styles{ShortKey: key, ShortDesc: dim, ShortSeparator: sep, Ellipsis: sep, FullKey: key, FullDesc: dim, FullSeparator: sep}

	s.List = list.DefaultStyles(true)
	s.List.Filter = s.TextInput
	s.List.Title = s.Title
	s.List.Spinner = dim
	s.List.DefaultFilterCharacterMatch = lipgloss.NewStyle().Underline(true).Foreground(accent)
	s.List.StatusBar, s.List.StatusEmpty, s.List.NoItems = dim, dim, dim
	s.List.StatusBarActiveFilter, s.List.StatusBarFilterCount = plain, dim
	s.List.ArabicPagination = dim
	s.List.ActivePaginationDot = lipgloss.NewStyle().Foreground(accent).SetString("•")
	s.List.InactivePaginationDot = lipgloss.NewStyle().Foreground(subtle).SetString("•")
	s.List.DividerDot = lipgloss.NewStyle().Foreground(subtle).SetString(" • ")
	s.Spinner = dim
}
