package ui

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// copiedMsg answers copyCmd: what was copied, and how.
type copiedMsg struct {
	what string
	tool string // the system clipboard tool used, "" for none
	err  error  // why the tool failed
}

// clipboardTool is a system clipboard program that can work here: one
// for the display server the environment names, or pbcopy on macOS.
func clipboardTool() []string {
	var candidates [][]string
	if os.Getenv("WAYLAND_DISPLAY") != "" {
		candidates = append(candidates, []string{"wl-copy"})
	}
	if os.Getenv("DISPLAY") != "" {
		candidates = append(candidates, []string{"xclip", "-selection", "clipboard"}, []string{"xsel", "--clipboard", "--input"})
	}
	if runtime.GOOS == "darwin" {
		candidates = append(candidates, []string{"pbcopy"})
	}
	for _, c := range candidates {
		if _, err := exec.LookPath(c[0]); err == nil {
			return c
		}
	}
	return nil
}

// copyCmd sends text to the terminal's clipboard as OSC 52 and, when a
// system clipboard tool is on PATH, gives it to that tool too, off the
// loop; what names it in the answer.
func copyCmd(what, text string) tea.Cmd {
	tool := clipboardTool()
	return tea.Batch(tea.SetClipboard(text), func() tea.Msg {
		if tool == nil {
			return copiedMsg{what: what}
		}
		cmd := exec.Command(tool[0], tool[1:]...)
		cmd.Stdin = strings.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			return copiedMsg{what: what, tool: tool[0], err: fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))}
		}
		return copiedMsg{what: what, tool: tool[0]}
	})
}

// text says what copying did, in the user's words.
func (m copiedMsg) text() string {
	s := "the " + m.what + " line was sent to the terminal as OSC 52 (the terminal may ignore it)"
	switch {
	case m.tool != "" && m.err != nil:
		s += "; " + m.tool + " failed: " + m.err.Error()
	case m.tool != "":
		s += " and copied with " + m.tool
	default:
		s += "; no clipboard tool (wl-copy, xclip, xsel, pbcopy) is on PATH for this display"
	}
	return s
}
