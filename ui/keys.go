package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
)

// keyMap is every binding the TUI answers to; README's key table follows it.
type keyMap struct {
	Up, Down     key.Binding
	Move         key.Binding // up and down in one, for the footer
	Select       key.Binding
	Back         key.Binding
	NextPane     key.Binding
	PrevPane     key.Binding
	Filter       key.Binding
	Find         key.Binding // / in a viewer: the same key, another word
	Rescan       key.Binding
	Describe     key.Binding
	Send         key.Binding
	CloseSend    key.Binding
	Editor       key.Binding
	CopyCommand  key.Binding
	StartSample  key.Binding
	Info         key.Binding
	Top, Bottom  key.Binding
	PageUp, PgDn key.Binding
	Left, Right  key.Binding
	Wrap         key.Binding
	NextMatch    key.Binding
	PrevMatch    key.Binding
	NextMsg      key.Binding
	PrevMsg      key.Binding
	JQ           key.Binding
	Save         key.Binding
	CancelAll    key.Binding
	ClearCalls   key.Binding
	LoadSchema   key.Binding
	Reload       key.Binding
	History      key.Binding
	SaveRequest  key.Binding
	Unserved     key.Binding // show or hide the services not served
	Reveal       key.Binding
	CopyOurs     key.Binding
	CopyGrpcurl  key.Binding
	Help         key.Binding
	Quit         key.Binding
	ForceQuit    key.Binding

	// The traffic screen's: t starts a tap, p or i chooses its mode, w
	// and W save calls to the collection.
	Tap, TapProxy, TapInterpose key.Binding
	SaveCall, SaveAllCalls      key.Binding
}

func defaultKeyMap() keyMap {
	return keyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Move:        key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp("↑↓", "move")),
		Select:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "select")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		NextPane:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Find:        key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "find")),
		Rescan:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rescan")),
		Describe:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "describe")),
		Send:        key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send")),
		CloseSend:   key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "end stream")),
		Editor:      key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", "$EDITOR")),
		CopyCommand: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "commands")),
		StartSample: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "start sample server")),
		Info:        key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "headers")),
		Top:         key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "top")),
		Bottom:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "bottom, follow")),
		PageUp:      key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PgDn:        key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Left:        key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left")),
		Right:       key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "scroll right")),
		Wrap:        key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "wrap long lines")),
		NextMatch:   key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		PrevMatch:   key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		NextMsg:     key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next message")),
		PrevMsg:     key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous message")),
		JQ:          key.NewBinding(key.WithKeys("|"), key.WithHelp("|", "jq")),
		Save:        key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "save")),
		CancelAll:   key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "cancel all")),
		ClearCalls:  key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "clear finished")),
		LoadSchema:  key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "load .proto/protoset")),
		Reload:      key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "read the schema again")),
		History:     key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "history and collection")),
		SaveRequest: key.NewBinding(key.WithKeys("ctrl+x"), key.WithHelp("ctrl+x", "save to the collection")),
		Unserved:    key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "show/hide not served")),
		Reveal:      key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "show/mask secrets")),
		CopyOurs:    key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "copy the sockscope line")),
		CopyGrpcurl: key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "copy the grpcurl line")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:        key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),

		Tap:          key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tap traffic")),
		TapProxy:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "proxy")),
		TapInterpose: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "interpose")),
		SaveCall:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "call to collection")),
		SaveAllCalls: key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "all to collection")),
	}
}

// bindings is a help.KeyMap over a fixed set, so each pane can say which keys it answers.
type bindings struct {
	short []key.Binding
	full  [][]key.Binding
}

var _ help.KeyMap = bindings{}

func (b bindings) ShortHelp() []key.Binding  { return b.short }
func (b bindings) FullHelp() [][]key.Binding { return b.full }
