package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// keyGroup is one pane's keys on the ? page.
type keyGroup struct {
	title string
	keys  []key.Binding
}

// keyGroups are every key of the screen shown, grouped by where it works.
func (m Model) keyGroups() []keyGroup {
	k := m.keys
	everywhere := keyGroup{"Everywhere", []key.Binding{k.History, k.Help, k.Quit, k.ForceQuit}}
	remember := keyGroup{"History and collection (ctrl+r)", m.history.help().short}
	if m.screen == screenSockets {
		return []keyGroup{{"Sockets list", append(m.sockets.help().full[0], k.StartSample, k.Tap)}, remember, everywhere}
	}
	if m.screen == screenTraffic {
		return []keyGroup{{"Traffic", m.traffic.help().full[0]}, {"A call in the viewer", append(m.traffic.viewer.help(), k.Info, k.Back)}, remember, everywhere}
	}
	e := m.explorer
	everywhere.keys = append([]key.Binding{k.NextPane, k.PrevPane, k.Send, k.CloseSend, k.Editor, k.CopyCommand,
		k.CancelAll, k.LoadSchema, k.Reload, k.SaveRequest, k.Tap, k.Back}, everywhere.keys...)
	return []keyGroup{
		{"Services", e.services.help().full[0]},
		{"Calls", e.calls.help().full[0]},
		{"Request, metadata and deadline (text editors)", []key.Binding{k.Send, k.CloseSend, k.Editor, k.NextPane, k.Back}},
		{"Response: a stream's messages", []key.Binding{k.Up, k.Down, k.PageUp, k.PgDn, k.Top, k.Bottom, k.Select, k.Filter, k.JQ, k.Info, k.Save, k.Back}},
		{"Response: a reply or a message in the viewer", append(e.response.viewer.help(), k.NextMsg, k.PrevMsg, k.JQ, k.Info, k.Save, k.Back)},
		{"Command lines (y)", []key.Binding{k.CopyOurs, k.CopyGrpcurl, k.Reveal, k.Left, k.Right, k.Back}},
		remember,
		everywhere,
	}
}

// keysDocument is the ? page: every key, grouped by pane.
func (m Model) keysDocument() *document {
	var b strings.Builder
	b.WriteString("Keys (? or esc goes back; / finds a key)\n")
	for _, g := range m.keyGroups() {
		b.WriteString("\n" + g.title + "\n")
		for _, binding := range g.keys {
			h := binding.Help()
			if h.Key == "" {
				continue
			}
			fmt.Fprintf(&b, "  %-12s %s\n", h.Key, h.Desc)
		}
	}
	return newOwnDocument(b.String())
}

// isViewerKey says msg moves or searches the ? page.
func (m Model) isViewerKey(msg tea.KeyPressMsg) bool {
	return key.Matches(msg, m.keysPage.help()...)
}
