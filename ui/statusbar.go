package ui

import (
	"charm.land/bubbles/v2/help"

	"sockscope/internal/safetext"
)

// statusBar shows a pending error, else the help of what has the keyboard.
func (m Model) statusBar() string {
	if m.saving.active() {
		return m.saving.View()
	}
	if m.flash != "" {
		return m.styles.Error.Render(truncate(safetext.Clip(m.flash, 4*m.width), m.width))
	}
	// One line, but for the ? page's two: the page itself lists every
	// key in the body.
	line := m.help.ShortHelpView(m.currentHelp().ShortHelp())
	if m.help.ShowAll {
		line += "\n" + m.styles.Dim.Render(truncate("? or esc goes back to the screen · q quits · ctrl+c quits from anywhere", m.width))
	}
	return line
}

// currentHelp is the footer: the few keys that work where the cursor is,
// then ? and q, or only ctrl+c while a text input has them; the ? page
// shows the keys that work everywhere below the full list.
func (m Model) currentHelp() help.KeyMap {
	if m.help.ShowAll {
		return bindings{short: m.keysPage.help()}
	}
	var b bindings
	switch {
	case m.history.shown:
		b = m.history.help()
	case m.screen == screenSockets:
		b = m.sockets.help()
	case m.screen == screenTraffic:
		b = m.traffic.help()
	default:
		b = m.explorer.help()
	}
	if m.textInputFocused() {
		b.short = append(b.short, m.keys.ForceQuit)
	} else {
		b.short = append(b.short, m.keys.Help, m.keys.Quit)
	}
	return b
}
