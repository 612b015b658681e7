package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/internal/safetext"
	"sockscope/reflection"
	"sockscope/session"
)

// open opens the address (if any) and the schema flags through the session
// package, with the reflection headers.
func (env *runEnv) open(ctx context.Context) (*session.Session, error) {
	return env.openAt(ctx, env.opts.address)
}

// openAt is open for another address than ADDRESS (--bench's --vs).
func (env *runEnv) openAt(ctx context.Context, address string) (*session.Session, error) {
	o := env.opts
	reflectMD, err := o.reflectionHeaders()
	if err != nil {
		return nil, err
	}
	cfg := o.sessionConfig()
	cfg.Address = address
	cfg.ReflectionHeader = reflectMD
	env.warnInsecure()
	return session.Open(ctx, cfg)
}

// sessionConfig is what every mode opens an address with, before the
// headers each mode adds.
func (o *options) sessionConfig() session.Config {
	return session.Config{
		Address:        o.address,
		Schema:         o.schemaOptions(),
		ConnectTimeout: o.connectTimeout,
		Authority:      o.authority,
		TLS:            o.tlsOptions(),
		MaxTime:        o.maxTime,
	}
}

// warnInsecure says, on stderr, that the server's certificate goes
// unverified, whenever --insecure is given to a scripted mode.
func (env *runEnv) warnInsecure() {
	if tls := env.opts.tlsOptions(); tls != nil && tls.Insecure && env.opts.address != "" {
		fmt.Fprintln(env.stderr, "sockscope: warning: "+client.InsecureWarning)
	}
}

// listSchemas prints every schema --schema takes, how each is recognised
// and where the user's own live.
func (env *runEnv) listSchemas() int {
	schemas, errs := reflection.Schemas()
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	for _, s := range schemas {
		var by []string
		if p := s.SocketPatterns(); len(p) > 0 {
			by = append(by, "socket "+strings.Join(p, ", "))
		}
		if p := s.Probe(); p != "" {
			by = append(by, "answers "+p)
		}
		if len(by) == 0 {
			by = append(by, "--schema only")
		}
		desc := s.Description
		if s.Origin != reflection.OriginBuiltIn {
			desc += " (" + s.Origin + ")"
		}
		fmt.Fprintf(w, "%s\t%s\n\t  recognised by: %s\n", s.Name, desc, strings.Join(by, "; "))
	}
	w.Flush()
	if dir := reflection.UserSchemaDir(); dir != "" {
		fmt.Fprintf(env.stdout, "\nYour own schemas go in %s (see README: Schemas).\n", dir)
	}
	for _, err := range errs {
		env.report(err)
	}
	return exitOK
}

func (env *runEnv) listMethods() int {
	ctx, cancel := env.baseContext()
	defer cancel()
	s, err := env.open(ctx)
	if err != nil {
		return env.fail(err)
	}
	defer s.Close()
	methods, err := s.Methods(ctx)
	if err != nil {
		return env.fail(err)
	}
	if err := writeProtoset(env.opts.protosetOut, methods); err != nil {
		return env.fail(err)
	}
	w := bufio.NewWriter(env.stdout)
	defer w.Flush()
	for _, md := range methods {
		name := safetext.Line(reflection.MethodName(md))
		if !env.opts.long {
			fmt.Fprintln(w, name)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s -> %s\n", name, reflection.RPCKind(md), safetext.Line(string(md.Input().FullName())), safetext.Line(string(md.Output().FullName())))
	}
	w.Flush()
	env.noteNotServed(s.NotServed())
	if p := s.Provenance(); env.opts.verbose && p.String() != "" {
		fmt.Fprintf(env.stderr, "Schema: %s\n", safetext.Clip(p.String(), maxMessageBytes))
	}
	// The rest is listed, but a script must not take the list as complete.
	if left := s.LeftOut(); len(left) > 0 {
		undescribed := false
		for _, err := range left {
			fmt.Fprintf(env.stderr, "sockscope: left out %s\n", safetext.Clip(err.Error(), maxMessageBytes))
			undescribed = undescribed || errors.Is(err, reflection.ErrUndescribed)
		}
		if undescribed {
			fmt.Fprintln(env.stderr, "hint: "+session.UndescribedHint)
		}
		return exitFailure
	}
	return exitOK
}

// noteNotServed says on stderr which services of a built-in schema the
// listing left out (or, with --show-unserved, listed) because the server
// does not serve them: their names, and with -v why.
func (env *runEnv) noteNotServed(notServed map[string]string) {
	if len(notServed) == 0 {
		return
	}
	names := make([]string, 0, len(notServed))
	for name := range notServed {
		names = append(names, safetext.Line(name))
	}
	sort.Strings(names)
	verb, fix := "left out", "; --show-unserved lists them"
	if env.opts.showUnserved {
		verb, fix = "listed", ""
	}
	fmt.Fprintf(env.stderr, "sockscope: %s %d services the server does not serve%s: %s\n", verb, len(names), fix, strings.Join(names, ", "))
	if env.opts.verbose {
		for _, name := range names {
			fmt.Fprintf(env.stderr, "  %s: %s\n", name, safetext.Clip(notServed[name], maxMessageBytes))
		}
	}
}

// withSymbol finds name in the schema and prints what render makes of it.
func (env *runEnv) withSymbol(name string, render func(protoreflect.Descriptor) (string, error)) int {
	ctx, cancel := env.baseContext()
	defer cancel()
	s, err := env.open(ctx)
	if err != nil {
		return env.fail(err)
	}
	defer s.Close()
	d, err := s.FindSymbol(ctx, name)
	if err != nil {
		return env.fail(err)
	}
	text, err := render(d)
	if err != nil {
		return env.fail(err)
	}
	// A schema's comments are the server's text.
	fmt.Fprint(env.stdout, safetext.Text(strings.TrimRight(text, "\n"))+"\n")
	return exitOK
}

func (env *runEnv) describeSymbol() int {
	return env.withSymbol(env.opts.describe, func(d protoreflect.Descriptor) (string, error) {
		if err := writeProtoset(env.opts.protosetOut, []protoreflect.Descriptor{d}); err != nil {
			return "", err
		}
		return reflection.Describe(d)
	})
}

func (env *runEnv) templateSymbol() int {
	return env.withSymbol(env.opts.template, func(d protoreflect.Descriptor) (string, error) {
		var msg protoreflect.MessageDescriptor
		switch d := d.(type) {
		case protoreflect.MethodDescriptor:
			msg = d.Input()
		case protoreflect.MessageDescriptor:
			msg = d
		default:
			return "", usageError("%s is a %s; --template takes a method or a message", d.FullName(), reflection.KindName(d))
		}
		out, err := reflection.Template(msg)
		return string(out), err
	})
}

// writeProtoset writes the files that define what was listed or described,
// with all they import, to path (--protoset-out; nothing when empty), as
// protoc --include_imports does: one self-contained file that --protoset
// reads back, for when the server is not at hand or has no reflection.
func writeProtoset[D protoreflect.Descriptor](path string, described []D) error {
	if path == "" {
		return nil
	}
	var files []protoreflect.FileDescriptor
	seen := map[string]bool{}
	for _, d := range described {
		if fd := d.ParentFile(); !seen[fd.Path()] {
			seen[fd.Path()] = true
			files = append(files, fd)
		}
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(reflection.FileSet(files, nil))
	if err != nil {
		return fmt.Errorf("--protoset-out: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("--protoset-out: %w", err)
	}
	return nil
}
