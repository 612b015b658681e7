package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"sockscope/internal/safetext"
	"sockscope/internal/startup"
	"sockscope/session"
	"sockscope/tap"
)

// printerTimeout is how long the end of a tap waits for its output to take
// the last events; a terminal stopped with Ctrl-S must not keep the tap
// from exiting once the socket is back.
const printerTimeout = 3 * time.Second

// runTap is --tap: it runs until SIGINT, SIGTERM, SIGHUP or --max-time,
// printing each call, and then puts things back.
func (env *runEnv) runTap() int {
	startup.UseAllCPUs()
	o := env.opts
	if o.restore {
		note, err := tap.Restore(o.tap)
		if err != nil {
			return env.fail(err)
		}
		fmt.Fprintf(env.stderr, "sockscope: %s\n", safetext.Line(note))
		return exitOK
	}
	// Caught from the start, not after interruptGrace as a call catches
	// SIGINT: once a tap stands in front of a socket, whatever ends it must
	// put the socket back. A reader of the output that goes away (| head)
	// ends the tap through a failed write, not through SIGPIPE.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	signal.Ignore(syscall.SIGPIPE)

	cfg, err := o.tapConfig()
	if err != nil {
		return env.fail(err)
	}
	record, err := openTapOut(o.tapOut)
	if err != nil {
		return env.fail(err)
	}
	t, err := tap.Start(context.Background(), cfg)
	if err != nil {
		if record != nil {
			record.Close()
		}
		return env.fail(err)
	}
	env.announceTap(t)

	p := newTapPrinter(env.stdout, env.stderr, record, o.format == "jsonl", o.verbose)
	printed := make(chan error, 1)
	go func() { printed <- p.run(t.Events()) }()
	var deadline <-chan time.Time
	if o.maxTime > 0 {
		deadline = time.After(o.maxTime)
	}
	select {
	case <-signals:
	case <-deadline:
	case <-p.failed:
	}
	rep := t.Stop()
	var printErr error
	select {
	case printErr = <-printed:
	case <-time.After(printerTimeout):
		printErr = errors.New("the output did not take the tap's last lines")
	}
	return env.tapExit(rep, printErr)
}

// tapConfig is the tap's configuration from the flags: the schema flags
// and -H/--reflect-header serve its own reflection requests.
func (o *options) tapConfig() (tap.Config, error) {
	header, err := o.reflectionHeaders()
	if err != nil {
		return tap.Config{}, err
	}
	cfg := tap.Config{
		Upstream: session.Config{Address: o.tap, Schema: o.schemaOptions(), ConnectTimeout: o.connectTimeout,
			Authority: o.authority, ReflectionHeader: header},
		Listen:    o.listen,
		Interpose: o.interpose,
		Messages:  o.verbose || o.format == "jsonl" || o.tapOut != "",
	}
	if o.listenMode != "" {
		mode, _ := strconv.ParseUint(o.listenMode, 8, 32) // checked by validateTap
		cfg.Mode = fs.FileMode(mode)
	}
	if o.explicit["max-msg-size"] {
		cfg.MaxMessageBytes = o.maxMsgSize
	}
	return cfg, nil
}

// openTapOut creates the --tap-out file, private to this user: what it
// records may be sensitive even with the credentials masked.
func openTapOut(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, &exitError{status: exitFailure, err: fmt.Errorf("--tap-out: %w", err)}
	}
	return f, nil
}

func (env *runEnv) announceTap(t *tap.Tap) {
	if env.opts.interpose {
		fmt.Fprintf(env.stderr, "sockscope: standing in front of %s; its server's socket is at %s until the tap ends (Ctrl-C puts it back)\n",
			safetext.Line(t.Listen()), safetext.Line(t.Upstream()))
	} else {
		fmt.Fprintf(env.stderr, "sockscope: tapping %s; clients connect to %s (Ctrl-C ends the tap)\n",
			safetext.Line(t.Upstream()), safetext.Line(t.Listen()))
	}
	if w := t.Warning(); w != "" {
		fmt.Fprintf(env.stderr, "sockscope: warning: %s\n", safetext.Line(w))
	}
}

func (env *runEnv) tapExit(rep tap.Report, printErr error) int {
	code := exitOK
	for _, note := range rep.Notes {
		fmt.Fprintf(env.stderr, "sockscope: %s\n", safetext.Line(note))
	}
	if rep.Err != nil {
		env.report(rep.Err)
		code = exitFailure
	}
	if rep.Incomplete > 0 {
		fmt.Fprintf(env.stderr, "sockscope: %d connection(s) were not decoded to their end: the tap fell behind (see their conn_close); every byte was still forwarded\n", rep.Incomplete)
		code = exitFailure
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(env.stderr, "sockscope: %d event(s) were not printed: the output did not take them before the tap ended\n", rep.Dropped)
		code = exitFailure
	}
	if printErr != nil {
		env.report(printErr)
		code = exitFailure
	}
	return code
}

// tapPrinter writes the tap's events: a line per call (more with -v), or
// a JSON object per event, and the same JSON lines to --tap-out.
type tapPrinter struct {
	out, errOut io.Writer
	w           *bufio.Writer
	record      *bufio.Writer
	recordFile  *os.File
	jsonl       bool
	verbose     bool
	failed      chan struct{}
	failOnce    sync.Once
	err         error
}

func newTapPrinter(stdout, stderr io.Writer, record *os.File, jsonl, verbose bool) *tapPrinter {
	p := &tapPrinter{out: stdout, errOut: stderr, w: bufio.NewWriterSize(stdout, 64<<10), recordFile: record,
		jsonl: jsonl, verbose: verbose, failed: make(chan struct{})}
	if record != nil {
		p.record = bufio.NewWriterSize(record, 64<<10)
	}
	return p
}

// run prints every event until the channel closes, flushing within
// flushDelay of the first line not yet written: a write per event would
// cost each tapped call a system call's time on the CPUs it shares with
// the forwarding (bench/tap.sh). After a failed write it keeps taking
// events, so the tap is never held up, and prints nothing more.
func (p *tapPrinter) run(events <-chan tap.Event) error {
	flushTimer := time.NewTimer(flushDelay)
	flushTimer.Stop()
	pending := false
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return p.finish()
			}
			if p.err != nil {
				continue
			}
			p.print(ev)
			if !pending {
				pending = true
				flushTimer.Reset(flushDelay)
			}
		case <-flushTimer.C:
			pending = false
			p.flush()
		}
	}
}

func (p *tapPrinter) finish() error {
	p.flush()
	if p.recordFile != nil {
		if err := p.recordFile.Close(); err != nil && p.err == nil {
			p.err = fmt.Errorf("--tap-out: %w", err)
		}
	}
	return p.err
}

func (p *tapPrinter) flush() {
	if err := p.w.Flush(); err != nil {
		p.fail(fmt.Errorf("write the tap's output: %w", err))
	}
	if p.record != nil {
		if err := p.record.Flush(); err != nil {
			p.fail(fmt.Errorf("--tap-out: %w", err))
		}
	}
}

func (p *tapPrinter) fail(err error) {
	if p.err == nil {
		p.err = err
	}
	p.failOnce.Do(func() { close(p.failed) })
}

func (p *tapPrinter) print(ev tap.Event) {
	var line []byte
	if p.jsonl || p.record != nil {
		var err error
		if line, err = json.Marshal(ev); err != nil {
			p.fail(err)
			return
		}
		line = append(line, '\n')
	}
	if p.record != nil {
		p.record.Write(line)
	}
	if p.jsonl {
		p.w.Write(line)
		return
	}
	if ev.Kind == tap.Notice {
		// The tap's own words, beside its other messages on stderr.
		p.flush()
		fmt.Fprintf(p.errOut, "sockscope: %s\n", safetext.Clip(ev.Note, maxMessageBytes))
		return
	}
	writeTapText(p.w, ev, p.verbose)
}
