package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"sockscope/internal/safetext"
	"sockscope/reflection"
)

// completeCommand is the hidden first argument with which the scripts that
// --completion prints ask the binary for candidates, as cobra's __complete
// does: the flags and the rules for their values live here, once, and the
// scripts only pass the words on and show what comes back.
//
//	sockscope __complete SHELL POS WORD...
//
// WORD... are the words of the line after the program's name, POS the index
// among them of the word being completed. The answer is one candidate a
// line, optionally followed by a tab and a description, then one directive
// line: ":files" (add the shell's own path completion), ":dirs"
// (directories only), ":atfiles" (paths after a leading '@') or ":none".
// Nothing is ever printed on stderr and the status is always 0, so that no
// failure ends up in the user's command line.
const completeCommand = "__complete"

// Completion directives, the last line of an answer.
const (
	directiveNone    = ":none"
	directiveFiles   = ":files"
	directiveDirs    = ":dirs"
	directiveAtFiles = ":atfiles"
)

// completion is an answer: candidates with optional descriptions.
type completion struct {
	candidates   []string
	descriptions map[string]string
	directive    string
}

func (c *completion) add(candidate, description string) {
	c.candidates = append(c.candidates, candidate)
	if description != "" {
		if c.descriptions == nil {
			c.descriptions = map[string]string{}
		}
		c.descriptions[candidate] = description
	}
}

// completeRequest is one completion request, parsed.
type completeRequest struct {
	shell string
	words []string // after the program name, dequoted
	pos   int      // of the word being completed
}

func (r completeRequest) current() string { return r.words[r.pos] }

// others are the words on the line except the one being completed: what
// the completion of that word may read (the address, the schema flags). A
// flag's value stays, as a value, so that the flag does not take the next
// word for its own.
func (r completeRequest) others(isValue bool) []string {
	if isValue {
		return slices.Clone(r.words)
	}
	return slices.Concat(r.words[:r.pos], r.words[r.pos+1:])
}

func parseCompleteRequest(args []string) (completeRequest, bool) {
	if len(args) < 2 {
		return completeRequest{}, false
	}
	req := completeRequest{shell: args[0], words: args[2:]}
	pos, err := strconv.Atoi(args[1])
	if err != nil || pos < 0 || pos > len(req.words) {
		return completeRequest{}, false
	}
	if req.shell == "bash" {
		// bash hands over the words as typed, quotes and all.
		for i, w := range req.words {
			req.words[i] = shellUnquote(w)
		}
	}
	if pos == len(req.words) {
		req.words = append(req.words, "")
	}
	req.pos = pos
	return req, true
}

// runComplete answers one completion request on stdout.
func runComplete(args []string, stdout io.Writer) int {
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	req, ok := parseCompleteRequest(args)
	if !ok {
		fmt.Fprintln(w, directiveNone)
		return exitOK
	}
	ans := completeWord(req)
	for _, c := range ans.candidates {
		if d := ans.descriptions[c]; d != "" && req.shell != "bash" {
			fmt.Fprintf(w, "%s\t%s\n", c, d)
		} else {
			fmt.Fprintln(w, c)
		}
	}
	if ans.directive == "" {
		ans.directive = directiveNone
	}
	fmt.Fprintln(w, ans.directive)
	return exitOK
}

// completeWord decides what the word being completed is (a flag, a flag's
// value, an address) and completes it.
func completeWord(req completeRequest) completion {
	fs := newFlagSet(&options{}, io.Discard)
	cur := req.current()
	lineOptions := func(isValue bool) *options {
		o := parseLineOptions(req.others(isValue))
		o.completionWords = req.others(isValue)
		return o
	}
	if req.pos > 0 {
		if f := valueFlag(fs, req.words[req.pos-1]); f != nil {
			return completeValue(f, "", cur, lineOptions(true))
		}
	}
	if strings.HasPrefix(cur, "-") {
		if name, value, ok := strings.Cut(cur, "="); ok {
			if f := valueFlag(fs, name); f != nil {
				return completeValue(f, name+"=", value, lineOptions(false))
			}
			return completion{}
		}
		return completeFlags(fs, cur)
	}
	return completeAddress(cur, lineOptions(false))
}

// valueFlag is the flag word names when that flag takes a value in the
// next word (not a bool flag, not already given as --flag=value).
func valueFlag(fs *flag.FlagSet, word string) *flag.Flag {
	if !strings.HasPrefix(word, "-") || strings.Contains(word, "=") {
		return nil
	}
	f := fs.Lookup(strings.TrimLeft(word, "-"))
	if f == nil || isBoolFlag(f) {
		return nil
	}
	return f
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagWord is how a flag is written: -x for one letter, as the README
// writes -d and -H, --name for the rest.
func flagWord(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func completeFlags(fs *flag.FlagSet, cur string) completion {
	var c completion
	fs.VisitAll(func(f *flag.Flag) {
		if word := flagWord(f.Name); strings.HasPrefix(word, cur) {
			c.add(word, firstSentence(f.Usage))
		}
	})
	return c
}

// firstSentence is a flag's usage cut to its first sentence, with the
// backquotes that name its value removed.
func firstSentence(usage string) string {
	usage = strings.ReplaceAll(usage, "`", "")
	if i := strings.Index(usage, ". "); i >= 0 {
		usage = usage[:i]
	}
	return strings.TrimSuffix(usage, ".")
}

// completeValue completes the value of flag f; prefix is what stands
// before the value in the word ("--format=" or nothing).
func completeValue(f *flag.Flag, prefix, cur string, o *options) completion {
	name := f.Name
	choices := func(values ...string) completion {
		var c completion
		for _, v := range values {
			if strings.HasPrefix(v, cur) {
				c.add(prefix+v, "")
			}
		}
		return c
	}
	switch name {
	case "format":
		return choices("json", "jsonl", "text")
	case "reflection":
		return choices("v1", "v1alpha", "none")
	case "completion":
		return choices("bash", "zsh", "fish")
	case "schema":
		return choices(schemaNames()...)
	case "call", "bench":
		return completeNames(prefix, cur, o, methodNames)
	case "describe":
		return completeNames(prefix, cur, o, describeNames)
	case "template":
		return completeNames(prefix, cur, o, templateNames)
	case "vs":
		return completeAddress(cur, o)
	case "d", "H", "rpc-header", "reflect-header", "token":
		if strings.HasPrefix(cur, "@") {
			return completion{directive: directiveAtFiles}
		}
		return completion{}
	}
	return pathValue(f)
}

// pathValue offers the shell's path completion for a flag whose usage
// names its value a file, a path or a directory (`FILE`, `FILE.jsonl`,
// `PATH`, `DIR`), so that a new flag needs no entry here.
func pathValue(f *flag.Flag) completion {
	value, _ := flag.UnquoteUsage(f)
	switch {
	case strings.Contains(value, "DIR"):
		return completion{directive: directiveDirs}
	case strings.Contains(value, "FILE") || strings.Contains(value, "PATH"):
		return completion{directive: directiveFiles}
	}
	return completion{}
}

// schemaNames are what --schema takes: the built-in and user schemas, and
// "list".
func schemaNames() []string {
	schemas, _ := reflection.Schemas()
	names := []string{"list"}
	for _, s := range schemas {
		if shellSafe(s.Name) {
			names = append(names, s.Name)
		}
	}
	return names
}

// parseLineOptions reads the flags and ADDRESS of a command line still
// being typed, leniently: a flag that does not parse is skipped and the
// rest is read, since the line is half-written by nature.
func parseLineOptions(words []string) *options {
	o := &options{}
	fs := newFlagSet(o, io.Discard)
	args := words
	for len(args) > 0 {
		err := fs.Parse(args)
		rest := fs.Args()
		if err != nil {
			if len(rest) == len(args) {
				rest = rest[1:] // a word the flag package refused without consuming it
			}
			args = rest
			continue
		}
		if len(rest) == 0 {
			break
		}
		if o.address == "" {
			o.address = rest[0]
		}
		args = rest[1:]
	}
	return o
}

// shellSafe says whether a name from outside may be offered to a shell as
// a candidate: it would go into the user's command line as it is, so it
// must be one printable word, which safetext leaves unchanged.
func shellSafe(name string) bool {
	return name != "" && safetext.Line(name) == name && !strings.ContainsAny(name, " \u00a0")
}

// shellUnquote removes the quoting a shell word was typed with: single and
// double quotes and backslash escapes, as far as the word goes (a word
// still being typed may lack its closing quote).
func shellUnquote(word string) string {
	if !strings.ContainsAny(word, `'"\`) {
		return word
	}
	var b strings.Builder
	var quote rune
	escaped := false
	for _, r := range word {
		switch {
		case escaped:
			b.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				b.WriteRune(r)
			}
		case r == '\\':
			escaped = true
		case quote == '"':
			if r == '"' {
				quote = 0
			} else {
				b.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote = r
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
