package ui

import (
	"image/color"
	"strings"

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

	pane := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(subtle).Padding(0, 1)
	badge := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Bold(true).Foreground(c) }
	s := styles{
		Title:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		Pane:        pane,
		PaneFocused: pane.BorderForeground(accent),
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
	return s
}
