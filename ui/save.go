package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"sockscope/internal/safetext"
)

// savedMsg answers saveCmd.
type savedMsg struct {
	path   string // as the user typed it
	abs    string
	bytes  int
	exists bool // the file was there and was left alone
	err    error
}

// saveName is the file name w offers: the method and the call's number,
// in the current directory, so that two saves do not offer the same name.
func (p responsePane) saveName() string {
	name := strings.NewReplacer("/", "-", ".", "-").Replace(p.call.name)
	ext := ".json"
	if p.call.method.IsStreamingServer() {
		ext = ".jsonl"
	}
	return fmt.Sprintf("%s-%d%s", name, p.call.id, ext)
}

// saveCmd writes what the call received to path: a reply as indented JSON,
// a stream as JSON lines, every message kept. An existing file is left
// alone unless overwrite says the user asked twice.
func (p responsePane) saveCmd(path string, overwrite bool) tea.Cmd {
	if path == "" {
		return nil
	}
	var content []string
	if p.call.method.IsStreamingServer() {
		// What was sent is the user's own; the stream is what came back.
		for _, e := range p.call.log.since(0) {
			if !e.sent {
				content = append(content, e.text)
			}
		}
	} else if d := p.replyDocument(); d != nil {
		content = []string{d.text}
	}
	return func() tea.Msg { return writeFile(path, content, overwrite) }
}

func writeFile(path string, lines []string, overwrite bool) savedMsg {
	res := savedMsg{path: path}
	res.abs, _ = filepath.Abs(path)
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if overwrite {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		res.exists = true
		return res
	}
	if err != nil {
		res.err = err
		return res
	}
	for _, l := range lines {
		n, err := f.WriteString(l + "\n")
		res.bytes += n
		if err != nil {
			f.Close()
			res.err = err
			return res
		}
	}
	res.err = f.Close()
	return res
}

// saved says what the save did, or that a second w overwrites.
func (p responsePane) saved(msg savedMsg) responsePane {
	shown := safetext.Line(msg.abs)
	switch {
	case msg.exists:
		p.overwrite = msg.path
		p.note = shown + " exists: w again overwrites it, any other key keeps it"
	case msg.err != nil:
		p.note = "✗ " + safetext.Line(msg.err.Error())
	default:
		p.note = fmt.Sprintf("wrote %s bytes to %s", groupDigits(msg.bytes), shown)
	}
	p.relayout()
	p.touch()
	return p
}
