package ui

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

// frame draws content in a pane's border, w×h cells in all, the border
// coloured when the pane has the keyboard.
func (c common) frame(content string, w, h int, focused bool) string {
	st := c.styles.Pane
	if focused {
		st = c.styles.PaneFocused
	}
	return st.Width(w).Height(h).MaxHeight(h).Render(content)
}
