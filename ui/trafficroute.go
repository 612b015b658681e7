package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// tapAddress is the socket t taps: the sockets list's selected row, or
// the socket the explorer shows.
func (m Model) tapAddress() string {
	switch m.screen {
	case screenSockets:
		return m.sockets.selectedAddress()
	case screenExplorer:
		return m.explorer.address
	}
	return ""
}

// openTraffic shows the traffic screen for address, asking how to tap it.
func (m Model) openTraffic(address string) (tea.Model, tea.Cmd) {
	m.traffic.begin(address, m.screen)
	m.screen = screenTraffic
	m.layout()
	return m, nil
}

// trafficKey hands a key to the traffic screen; esc at its top stops the
// tap and goes back where t was pressed.
func (m Model) trafficKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(msg, m.keys.Back) && m.traffic.atTop() {
		cmd := m.traffic.leave()
		m.screen = m.traffic.back
		m.layout()
		return m, cmd
	}
	var cmd tea.Cmd
	m.traffic, cmd = m.traffic.Update(msg)
	return m, cmd
}

// StopTaps stops every tap the traffic screen started, putting any
// interposed socket back, and returns what each had to say. The program's
// end does not wait for commands, so the caller calls it once Run has
// returned, whatever ended the program; it is safe on any copy of the
// model, and any number of times.
func (m Model) StopTaps() []string { return m.taps.stopAll() }
