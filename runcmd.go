package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sockscope/collection"
	"sockscope/internal/safetext"
	"sockscope/session"
)

// runCollection runs a collection's requests and prints one line for each
// and a count: exit 0 when every one passed, 1 when one failed or the run
// ran out of --max-time, 130 when Ctrl-C cut it short, 2 for a file that
// cannot be run as written (naming its line and column).
func (env *runEnv) runCollection() int {
	o := env.opts
	f, err := collection.Load(o.runFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = usageError("--run: %v", err)
		}
		return env.failRun(err)
	}
	vars, err := collection.ParseVars(o.vars)
	if err != nil {
		return env.fail(usageError("%v", err))
	}
	header, err := o.callHeaders()
	if err != nil {
		return env.fail(err)
	}
	reflectionHeader, err := o.reflectionHeaders()
	if err != nil {
		return env.fail(err)
	}
	ctx, cancel := env.baseContext()
	defer cancel()

	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	started := time.Now()
	sum, err := collection.Run(ctx, f, collection.RunOptions{
		Session: session.Config{
			Schema:           o.schemaOptions(),
			ConnectTimeout:   o.connectTimeout,
			Authority:        o.authority,
			ReflectionHeader: reflectionHeader,
			MaxTime:          o.maxTime,
		},
		Address:    o.address,
		Header:     header,
		Vars:       vars,
		Only:       o.only,
		MaxMsgSize: o.maxMsgSize,
		OnResult: func(r collection.Result) {
			printResult(out, r)
			out.Flush()
		},
	})
	took := time.Since(started)
	if err != nil {
		return env.failRun(err)
	}
	line := fmt.Sprintf("%d passed, %d failed", sum.Passed, sum.Failed)
	if len(sum.NotRun) > 0 {
		line += fmt.Sprintf(", %d not run", len(sum.NotRun))
	}
	fmt.Fprintln(out, line)
	out.Flush()

	status := exitOK
	cut := ctx.Err() != nil && (len(sum.NotRun) > 0 || sum.Failed > 0)
	switch {
	case cut && errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(env.stderr, "sockscope: the run ran out of --max-time %s\n", o.maxTime)
		status = exitFailure
	case cut:
		fmt.Fprintln(env.stderr, "sockscope: the run was interrupted")
		status = exitInterrupted
	case sum.Failed > 0:
		status = exitFailure
	}
	if o.junit != "" {
		if err := writeJUnitFile(o.junit, o.runFile, sum, started, took); err != nil {
			env.report(err)
			return exitFailure
		}
	}
	return status
}

// printResult is the one line of a request: "ok NAME 3ms" or "FAIL NAME:
// why". The why holds a server's text and the file's, so it is escaped.
func printResult(w *bufio.Writer, r collection.Result) {
	if r.Passed {
		fmt.Fprintf(w, "ok %s %s\n", safetext.Clip(r.Name, 200), shortDuration(r.Took))
		return
	}
	fmt.Fprintf(w, "FAIL %s: %s\n", safetext.Clip(r.Name, 200), safetext.Clip(r.Failure, maxMessageBytes))
}

// failRun reports a run that could not start: a file that is not a
// collection, or one that cannot run as written, exits 2.
func (env *runEnv) failRun(err error) int {
	var fe *collection.FileError
	if errors.As(err, &fe) || errors.Is(err, collection.ErrNoRequest) {
		env.report(err)
		return exitUsage
	}
	return env.fail(err)
}

func writeJUnitFile(path, runFile string, sum collection.Summary, started time.Time, took time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	w := bufio.NewWriter(f)
	err = collection.WriteJUnit(w, filepath.Base(runFile), sum, started, took)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--junit %s: %w", path, err)
	}
	return nil
}

// validateRemembered checks the flags of history and collections.
func (o *options) validateRemembered() error {
	switch {
	case (len(o.only) > 0 || len(o.vars) > 0 || o.junit != "") && o.runFile == "":
		return errors.New("--only, --var and --junit go with --run")
	case o.rerun != 0 && o.dataSet:
		return errors.New("--rerun sends the requests the history kept; -d goes with --call")
	case o.explicit["collection"] && o.runFile != "":
		return errors.New("--collection is the TUI's collection; --run takes the file to run as its argument")
	case o.explicit["collection"] && strings.TrimSpace(o.collection) == "":
		return errors.New("--collection: want a file name (default " + collection.DefaultFile + ")")
	}
	if _, err := collection.ParseVars(o.vars); err != nil {
		return err
	}
	return nil
}
