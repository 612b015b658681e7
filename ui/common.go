package ui

import (
	"strings"
	"sync/atomic"

	"charm.land/lipgloss/v2"

	"sockscope/internal/safetext"
)

// common is what every pane and page shares, embedded in each as
// soft-serve's common.Common is: the key bindings and the styles by
// pointer, so that the theme chosen once the terminal's background is known
// reaches every pane at once, and the pane's own size.
type common struct {
	keys          *keyMap
	styles        *styles
	width, height int
}

// newCommon is the bindings and the dark theme every model starts with.
func newCommon() common {
	keys := defaultKeyMap()
	st := newStyles(true)
	return common{keys: &keys, styles: &st}
}

// frame draws content in a pane's border, w×h cells in all. The pane with
// the keyboard has a heavy border, coloured, so that the focus shows
// without colour too.
func (c common) frame(content string, w, h int, focused bool) string {
	st := c.styles.Pane
	if focused {
		st = c.styles.PaneFocused
	}
	return st.Width(w).Height(h).MaxHeight(h).Render(content)
}

var revisions atomic.Uint64

// nextRev is a number never handed out before. A pane takes a new one
// whenever anything it draws changes, so that a frame draws again only
// the panes whose number moved, and two copies of a model that went
// different ways never share one.
func nextRev() uint64 { return revisions.Add(1) }

// frameCache is a pane's last frame and what it was drawn from.
type frameCache struct {
	key frameKey
	out string
}

type frameKey struct {
	rev, sub, theme uint64
	w, h            int
	focused         bool
}

// cachedFrame is frame(draw()) unless nothing it depends on changed since
// the last call with the same cache: the pane's rev, that of what it
// shows (sub), the theme, the size and the focus.
func (c common) cachedFrame(cache *frameCache, rev, sub uint64, w, h int, focused bool, draw func() string) string {
	k := frameKey{rev: rev, sub: sub, theme: c.styles.theme, w: w, h: h, focused: focused}
	if cache.out != "" && cache.key == k {
		return cache.out
	}
	cache.key, cache.out = k, c.frame(draw(), w, h, focused)
	return cache.out
}

// joinColumns puts two columns of frames side by side. Every frame is
// exactly as wide and as high as laid out, so the lines are joined as
// they are, without measuring each one as lipgloss.JoinHorizontal would
// on every frame; columns of different heights fall back to it.
func joinColumns(left, right string) string {
	l, r := strings.Split(left, "\n"), strings.Split(right, "\n")
	if len(l) != len(r) {
		return lipgloss.JoinHorizontal(lipgloss.Top, left, right)
	}
	var b strings.Builder
	b.Grow(len(left) + len(right) + len(l))
	for i := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l[i])
		b.WriteString(r[i])
	}
	return b.String()
}

// paneTitle is a pane's first line: its title, marked with » while the
// pane has the keyboard, so that the focus shows without colour too.
func paneTitle(st *styles, title string, width int, focused bool) string {
	if focused {
		title = "» " + title
	}
	return st.Title.Render(truncate(title, width))
}

// safeName is a name from outside (a service, a method, a message type)
// as it may reach the screen: escaped by safetext, never stripped.
func safeName(name string) string { return safetext.Line(name) }
