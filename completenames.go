package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/sockets"
)

// completionBudget is how long a completion that needs the network may
// take: a person pressing Tab waits for it. A look-up that takes longer is
// given up; what the cache holds is offered instead, and a process of its
// own finishes the look-up for the next Tab.
const completionBudget = 300 * time.Millisecond

// completionCacheFresh is how long cached names are offered without asking
// the server again. A server that restarts gets a new socket, and so a new
// cache key, at once; this only bounds how long a schema changed under a
// running server goes unseen.
const completionCacheFresh = 5 * time.Minute

// fillTimeout bounds the look-up that fills the cache in the background
// after a completion ran out of its budget.
const fillTimeout = 10 * time.Second

// cacheFillInBackground is false in this package's tests, whose
// executable is the test binary rather than sockscope.
var cacheFillInBackground = true

// fillCommand is the hidden argument of that background look-up.
const fillCommand = "__complete-fill"

// schemaNameList is what completing a METHOD or SYMBOL needs of a schema,
// and what the cache keeps: names only.
type schemaNameList struct {
	Services []serviceNames `json:"services"`
	Messages []string       `json:"messages"`
	Enums    []string       `json:"enums"`
}

type serviceNames struct {
	Name    string   `json:"name"`
	Methods []string `json:"methods"`
}

// hasSchemaSource says whether the line names somewhere to read a schema
// from: an address or the schema flags.
func (o *options) hasSchemaSource() bool {
	return o.address != "" || len(o.protoFiles) > 0 || len(o.protosets) > 0 || o.schema != "" && o.schema != "list"
}

// completeNames offers the names pick chooses for cur from the schema the
// line names.
func completeNames(prefix, cur string, o *options, pick func(schemaNameList, string) []string) completion {
	if !o.hasSchemaSource() {
		return completion{}
	}
	names, ok := namesFor(o)
	if !ok {
		return completion{}
	}
	var c completion
	for _, name := range pick(names, cur) {
		c.add(prefix+name, "")
	}
	return c
}

// methodNames completes a METHOD: first pkg.Service/, then, once the word
// holds the slash, that service's methods.
func methodNames(l schemaNameList, cur string) []string {
	service, _, haveSlash := strings.Cut(cur, "/")
	var out []string
	for _, s := range l.Services {
		if !haveSlash {
			if strings.HasPrefix(s.Name+"/", cur) {
				out = append(out, s.Name+"/")
			}
			continue
		}
		if s.Name != service {
			continue
		}
		for _, m := range s.Methods {
			if full := s.Name + "/" + m; strings.HasPrefix(full, cur) {
				out = append(out, full)
			}
		}
	}
	return out
}

// describeNames completes what --describe takes: services, methods,
// messages and enums.
func describeNames(l schemaNameList, cur string) []string {
	out := methodNames(l, cur)
	if strings.Contains(cur, "/") {
		return out
	}
	for _, s := range l.Services {
		out = append(out, s.Name)
	}
	return withPrefix(slices.Concat(out, l.Messages, l.Enums), cur)
}

// templateNames completes what --template takes: methods and messages.
func templateNames(l schemaNameList, cur string) []string {
	out := methodNames(l, cur)
	if strings.Contains(cur, "/") {
		return out
	}
	return slices.Concat(out, withPrefix(l.Messages, cur))
}

func withPrefix(names []string, prefix string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// namesFor is the schema names of the line's address and schema flags:
// from the cache while it is fresh, else asked within completionBudget,
// else what the cache has, however old.
func namesFor(o *options) (schemaNameList, bool) {
	key, keyed := completionCacheKey(o)
	cached, age, haveCache := readNameCache(key, keyed)
	if haveCache && age < completionCacheFresh {
		return cached, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionBudget)
	defer cancel()
	type answer struct {
		names schemaNameList
		err   error
	}
	answered := make(chan answer, 1)
	go func() {
		names, err := lookupNames(ctx, o)
		answered <- answer{names, err}
	}()
	select {
	case a := <-answered:
		if a.err == nil {
			writeNameCache(key, keyed, a.names)
			return a.names, true
		}
		if ctx.Err() != nil && keyed {
			startCacheFill(o)
		}
	case <-ctx.Done():
		if keyed {
			startCacheFill(o)
		}
	}
	return cached, haveCache
}

// lookupNames opens the line's address and schema flags through the
// session, as every other mode does, and lists the names.
func lookupNames(ctx context.Context, o *options) (schemaNameList, error) {
	env := &runEnv{opts: o, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	s, err := env.open(ctx)
	if err != nil {
		return schemaNameList{}, err
	}
	defer s.Close()
	services, err := s.Services(ctx)
	if err != nil {
		return schemaNameList{}, err
	}
	return namesOf(services), nil
}

// namesOf collects the services, their methods and the message and enum
// types of their files and requests, leaving out names that are unsafe to
// put in a command line.
func namesOf(services []protoreflect.ServiceDescriptor) schemaNameList {
	var l schemaNameList
	messages, enums := map[string]bool{}, map[string]bool{}
	var addMessages func(protoreflect.MessageDescriptors)
	addEnums := func(es protoreflect.EnumDescriptors) {
		for i := range es.Len() {
			enums[string(es.Get(i).FullName())] = true
		}
	}
	addMessages = func(ms protoreflect.MessageDescriptors) {
		for i := range ms.Len() {
			m := ms.Get(i)
			if m.IsMapEntry() {
				continue
			}
			messages[string(m.FullName())] = true
			addMessages(m.Messages())
			addEnums(m.Enums())
		}
	}
	seenFiles := map[string]bool{}
	for _, sd := range services {
		name := string(sd.FullName())
		if !shellSafe(name) {
			continue
		}
		s := serviceNames{Name: name}
		methods := sd.Methods()
		for i := range methods.Len() {
			md := methods.Get(i)
			if m := string(md.Name()); shellSafe(m) {
				s.Methods = append(s.Methods, m)
			}
			messages[string(md.Input().FullName())] = true
			messages[string(md.Output().FullName())] = true
		}
		l.Services = append(l.Services, s)
		if f := sd.ParentFile(); !seenFiles[f.Path()] {
			seenFiles[f.Path()] = true
			addMessages(f.Messages())
			addEnums(f.Enums())
		}
	}
	l.Messages, l.Enums = safeSorted(messages), safeSorted(enums)
	return l
}

func safeSorted(set map[string]bool) []string {
	var out []string
	for name := range set {
		if shellSafe(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// startCacheFill starts this program again, on its own and detached from
// the terminal, to finish the look-up the completion gave up on and leave
// the names in the cache. It is bounded by fillTimeout; nothing waits for
// it and its output goes nowhere. The line's words go through a pipe, not
// the argument list: they may hold a header such as a token, which the
// process list would show every user for as long as the look-up lasts.
func startCacheFill(o *options) {
	self, err := os.Executable()
	if err != nil || o.completionWords == nil || !cacheFillInBackground {
		return
	}
	words := []byte(strings.Join(o.completionWords, "\x00"))
	if len(words) > maxFillInput {
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	defer w.Close()
	cmd := exec.Command(self, fillCommand)
	cmd.Stdin = r
	detach(cmd)
	err = cmd.Start()
	r.Close()
	if err != nil {
		return
	}
	cmd.Process.Release()
	// Far less than a pipe holds, so the write ends before this process
	// does, whether or not the child has started reading.
	w.Write(words)
}

// maxFillInput bounds the words handed to the background look-up: a
// pipe's buffer holds at least this much on every system.
const maxFillInput = 4096

// runCompleteFill is the background look-up startCacheFill starts; it
// reads the line's words, separated by NUL bytes, from stdin.
func runCompleteFill(stdin io.Reader) int {
	b, err := io.ReadAll(io.LimitReader(stdin, maxFillInput+1))
	if err != nil || len(b) == 0 || len(b) > maxFillInput {
		return exitOK
	}
	o := parseLineOptions(strings.Split(string(b), "\x00"))
	key, keyed := completionCacheKey(o)
	if !keyed {
		return exitOK
	}
	ctx, cancel := context.WithTimeout(context.Background(), fillTimeout)
	defer cancel()
	if names, err := lookupNames(ctx, o); err == nil {
		writeNameCache(key, keyed, names)
	}
	return exitOK
}

// completeAddress offers the sockets discovery finds without sending them
// anything, and the shell's own path completion.
func completeAddress(cur string, o *options) completion {
	c := completion{directive: directiveFiles}
	if cur != "" && !strings.HasPrefix(cur, "/") && !strings.HasPrefix(cur, "@") && !strings.HasPrefix("unix://", cur) && !strings.HasPrefix(cur, "unix://") {
		return c // a relative path or host:port: the shell's path completion
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionBudget)
	defer cancel()
	found := make(chan []string, 1)
	go func() {
		opts := o.scanOptions()
		opts.NoProbe = true
		scan, err := sockets.Discover(ctx, opts)
		var paths []string
		if err == nil {
			for _, s := range scan.Sockets {
				if s.Kind == sockets.KindUnprobed && shellSafe(s.Path) {
					paths = append(paths, s.Path)
				}
			}
		}
		found <- paths
	}()
	var paths []string
	select {
	case paths = <-found:
	case <-ctx.Done():
	}
	scheme := ""
	if strings.HasPrefix(cur, "unix:") || cur != "" && strings.HasPrefix("unix://", cur) {
		scheme = "unix://"
	}
	for _, p := range paths {
		if scheme != "" && strings.HasPrefix(p, "@") {
			continue
		}
		if candidate := scheme + p; strings.HasPrefix(candidate, cur) {
			c.add(candidate, "socket")
		}
	}
	return c
}
