package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"sockscope/client"
	"sockscope/collection"
	"sockscope/history"
	"sockscope/internal/safetext"
	"sockscope/reflection"
)

// saveStep is where the ctrl+x prompt is: naming the request, naming the
// variable a secret header is saved as, asking before replacing, or
// saying what the save did.
type saveStep int

const (
	saveOff saveStep = iota
	saveName
	saveVar
	saveReplace
	saveBusy
	saveDone
)

// savePrompt saves a request into the collection from the status line:
// the editor's (ctrl+x in the explorer) or a past call's (ctrl+x in the
// history). Secret-looking header values are saved as ${VAR} references
// the user names, never in the clear; a request of the same name is
// replaced only when the user says so.
type savePrompt struct {
	common
	step    saveStep
	path    string
	draft   collection.Draft
	secrets []string // the secret headers still to name, the first asked now
	named   []string // the variables named, for the last word
	input   textinput.Model
	result  string
	failed  bool
	saveID  int
}

// collectionSavedMsg answers saveRequestCmd.
type collectionSavedMsg struct {
	saveID int
	abs    string
	err    error
}

func newSavePrompt(c common) savePrompt {
	in := textinput.New()
	in.SetStyles(c.styles.TextInput)
	return savePrompt{common: c, input: in}
}

// active says the prompt has the status line, and the keyboard but for
// saveDone, which the next key dismisses before doing what it does.
func (s savePrompt) active() bool { return s.step != saveOff }

func (s savePrompt) typing() bool { return s.step == saveName || s.step == saveVar }

// start asks for d's name, suggesting one.
func (s *savePrompt) start(d collection.Draft, path string) tea.Cmd {
	s.draft, s.path, s.named, s.secrets = d, path, nil, nil
	s.step, s.result, s.failed = saveName, "", false
	s.input.SetStyles(s.styles.TextInput)
	s.input.Prompt = "save as: "
	s.input.Placeholder = ""
	s.input.SetValue(d.Name)
	s.input.CursorEnd()
	return s.input.Focus()
}

func (s *savePrompt) finish(text string, failed bool) {
	s.step, s.result, s.failed = saveDone, text, failed
	s.input.Blur()
}

// handleKey answers a key while the prompt is active.
func (s savePrompt) handleKey(msg tea.KeyPressMsg) (savePrompt, tea.Cmd) {
	if key.Matches(msg, s.keys.Back) {
		s.finish("not saved", false)
		return s, nil
	}
	switch s.step {
	case saveReplace:
		switch msg.String() {
		case "y", "Y":
			return s.save(true)
		case "n", "N":
			s.finish(fmt.Sprintf("not saved: %s keeps its %q", s.shownPath(), s.draft.Name), false)
		}
		return s, nil
	case saveBusy:
		return s, nil
	}
	if !key.Matches(msg, s.keys.Select) {
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(msg)
		return s, cmd
	}
	value := strings.TrimSpace(s.input.Value())
	if s.step == saveName {
		if value == "" {
			return s, nil
		}
		s.draft.Name = value
		return s.save(false)
	}
	if !validVarName(value) {
		s.input.Placeholder = "letters, digits and _, not starting with a digit"
		return s, nil
	}
	k := s.secrets[0]
	for i, h := range s.draft.Headers {
		if h.Key == k {
			s.draft.Headers[i].Value = collection.SecretReference(h.Key, h.Value, value)
		}
	}
	s.named = append(s.named, value)
	s.secrets = s.secrets[1:]
	if len(s.secrets) > 0 {
		return s, s.askVar()
	}
	return s.save(false)
}

// askVar asks what variable the first secret header is saved as.
func (s *savePrompt) askVar() tea.Cmd {
	s.step = saveVar
	s.input.Prompt = "the value of " + safetext.Line(s.secrets[0]) + " is saved as ${VAR}; VAR: "
	s.input.Placeholder = ""
	s.input.SetValue(suggestVarName(s.secrets[0]))
	s.input.CursorEnd()
	return s.input.Focus()
}

func (s savePrompt) save(replace bool) (savePrompt, tea.Cmd) {
	s.step = saveBusy
	s.saveID++
	s.input.Blur()
	return s, saveRequestCmd(s.saveID, s.path, s.draft, replace)
}

// saveRequestCmd writes the draft into the collection off the loop.
func saveRequestCmd(saveID int, path string, d collection.Draft, replace bool) tea.Cmd {
	d.Headers = append([]collection.HeaderLine(nil), d.Headers...)
	return func() tea.Msg {
		err := collection.Save(path, d, collection.SaveOptions{Replace: replace})
		abs, _ := filepath.Abs(path)
		return collectionSavedMsg{saveID: saveID, abs: abs, err: err}
	}
}

// saved takes the save's answer: done, a replace to confirm, or secret
// headers to name first.
func (s savePrompt) saved(msg collectionSavedMsg) (savePrompt, tea.Cmd) {
	if msg.saveID != s.saveID || s.step != saveBusy {
		return s, nil
	}
	var secrets *collection.SecretsError
	switch {
	case errors.As(msg.err, &secrets):
		s.secrets = append([]string(nil), secrets.Keys...)
		return s, s.askVar()
	case errors.Is(msg.err, collection.ErrExists):
		s.step = saveReplace
		return s, nil
	case msg.err != nil:
		s.finish("✗ not saved: "+msg.err.Error(), true)
		return s, nil
	}
	text := fmt.Sprintf("saved %q in %s", s.draft.Name, msg.abs)
	if len(s.named) > 0 {
		text += "; --run needs " + strings.Join(s.named, ", ") + " set (environment or --var)"
	}
	s.finish(text, false)
	return s, nil
}

func (s savePrompt) shownPath() string { return safetext.Line(s.path) }

// View is the prompt's status line.
func (s savePrompt) View() string {
	switch s.step {
	case saveName, saveVar:
		hint := s.styles.Dim.Render("  enter saves into " + s.shownPath() + " · esc cancels")
		return truncate(s.input.View()+hint, s.width)
	case saveReplace:
		return s.styles.Warning.Render(truncate(fmt.Sprintf("%s already has a request %q: replace it? y replaces, n or esc keeps it", s.shownPath(), safetext.Line(s.draft.Name)), s.width))
	case saveBusy:
		return s.styles.Dim.Render(truncate("saving into "+s.shownPath()+"…", s.width))
	}
	look := s.styles.StatusOK
	if s.failed {
		look = s.styles.Error
	}
	return look.Render(truncate(safetext.Clip(s.result, 4*s.width), s.width))
}

func (s *savePrompt) SetSize(w int) {
	s.width = w
	s.input.SetWidth(max(1, w/2))
}

// validVarName is the rule of the collection's ${NAME}s.
func validVarName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c < unicode.MaxASCII && (unicode.IsLetter(c) || i > 0 && unicode.IsDigit(c))) {
			return false
		}
	}
	return s != ""
}

// suggestVarName is a header's name as an environment variable:
// x-api-token becomes X_API_TOKEN.
func suggestVarName(header string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(header) {
		if c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_")
	if name == "" || unicode.IsDigit(rune(name[0])) {
		name = "SECRET_" + name
	}
	return name
}

// suggestName is what a saved request is called unless the user says
// otherwise: the method's name in lower case.
func suggestName(method string) string {
	return strings.ToLower(method[strings.LastIndexAny(method, "/.")+1:])
}

// draft is the editor's request as the collection saves it: the message
// as the schema reads it, the method's and the socket's metadata lines
// (the command line's headers are the session's, not the request's), and
// the deadline. Errors name the field at fault, as ctrl+s does.
func (e explorerPage) draft() (collection.Draft, error) {
	if e.request.method == nil {
		return collection.Draft{}, errors.New("no method selected to save")
	}
	msg, methodMD, socketMD, deadline, err := e.request.request()
	if err != nil {
		return collection.Draft{}, err
	}
	body, err := (&client.ReplyFormat{Resolver: e.request.resolver}).Marshal(msg)
	if err != nil {
		return collection.Draft{}, fmt.Errorf("the request: %w", err)
	}
	header := socketMD.Copy()
	for k, v := range methodMD {
		header[k] = v
	}
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	method := reflection.MethodName(e.request.method)
	d := collection.Draft{Name: suggestName(method), Address: history.CanonicalAddress(e.address), Method: method,
		Body: []json.RawMessage{body}, Deadline: deadline}
	for _, k := range keys {
		for _, v := range header[k] {
			d.Headers = append(d.Headers, collection.HeaderLine{Key: k, Value: v})
		}
	}
	return d, nil
}

// draftFromEntry is a past call as the collection saves it: its masked
// headers are named as variables before the save.
func draftFromEntry(e history.Entry) collection.Draft {
	return collection.FromEntry(e, suggestName(e.Method))
}
