package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	tea "charm.land/bubbletea/v2"

	"sockscope/history"
	"sockscope/internal/safetext"
	"sockscope/internal/startup"
	"sockscope/sample"
	"sockscope/session"
	"sockscope/ui"
)

// demoServer is the bundled sample server run inside this process for --demo
// and for the empty state's offer; it lives in a private temporary directory.
type demoServer struct {
	mu   sync.Mutex
	dir  string
	stop func()
}

func (d *demoServer) start() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stop != nil {
		return filepath.Join(d.dir, "sample.sock"), nil
	}
	dir, err := os.MkdirTemp("", "sockscope-demo-")
	if err != nil {
		return "", fmt.Errorf("demo socket directory: %w", err)
	}
	path := filepath.Join(dir, "sample.sock")
	lis, err := sample.Listen(path)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1})
	go srv.Serve(lis)
	d.dir = dir
	d.stop = func() {
		srv.Stop()
		// Only the socket this server created, and then our own directory
		// if nothing else was put in it (os.Remove fails on a non-empty one).
		lis.Remove()
		os.Remove(dir)
	}
	return path, nil
}

func (d *demoServer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stop != nil {
		d.stop()
		d.stop = nil
	}
}

func (env *runEnv) runTUI() int {
	startup.UseAllCPUs()
	o := env.opts
	headers, err := o.startHeaders()
	if err != nil {
		return env.fail(err)
	}
	reflectionHeader, err := o.reflectionHeaders()
	if err != nil {
		return env.fail(err)
	}
	demo := &demoServer{}
	defer demo.close()

	uiOpts := ui.Options{
		Address: o.address,
		// Every socket the user opens is opened with these; SchemaTimeout
		// and MaxTime stay zero, since the session's own deadline bounds
		// each look-up and --max-time is for scripted calls.
		Session: session.Config{
			Schema:           o.schemaOptions(),
			ConnectTimeout:   o.connectTimeout,
			Authority:        o.authority,
			TLS:              o.tlsOptions(),
			ReflectionHeader: reflectionHeader,
		},
		Scan:        o.scanOptions(),
		MaxMsgSize:  o.maxMsgSize,
		StartSample: demo.start,
		Headers:     headers,
		Collection:  o.collection,
	}
	if !o.noHistory && !history.Disabled(os.Getenv) {
		// A history that cannot be found is the same as one that cannot be
		// written: the TUI says so once, at the first call, and works on.
		if path, err := history.DefaultPath(os.Getenv); err == nil {
			uiOpts.History = history.Open(path, history.Limits{})
		} else {
			fmt.Fprintf(env.stderr, "sockscope: warning: calls are not recorded in the history: %s\n", err)
		}
	}
	if o.demo {
		addr, err := demo.start()
		if err != nil {
			return env.fail(fmt.Errorf("start the sample server: %w", err))
		}
		uiOpts.Address = addr
	}
	if o.debugFile != "" {
		f, err := os.OpenFile(o.debugFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return env.fail(usageError("--debug: %v", err))
		}
		defer f.Close()
		uiOpts.Debug = f
	}
	model := ui.New(uiOpts)
	defer env.stopTaps(model)
	p := tea.NewProgram(model)
	// bubbletea ends on SIGINT and SIGTERM; a closed terminal (SIGHUP) must
	// end it too, so the demo socket is removed rather than left stale.
	hangup := make(chan os.Signal, 1)
	signal.Notify(hangup, syscall.SIGHUP)
	defer signal.Stop(hangup)
	go func() {
		if _, ok := <-hangup; ok {
			p.Kill()
		}
	}()
	final, err := p.Run()
	if end, ok := final.(ui.Model); ok {
		if err := end.RecordUnfinished(); err != nil {
			fmt.Fprintf(env.stderr, "sockscope: warning: the calls running at the end are not in the history: %s\n", safetext.Line(err.Error()))
		}
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrInterrupted) {
		return env.fail(fmt.Errorf("terminal: %w", err))
	}
	return exitOK
}

// stopTaps stops the traffic screen's taps once the program has ended,
// however it ended: an interposed socket is put back. Signals are caught
// meanwhile, so that a second Ctrl-C or SIGTERM does not cut that short.
func (env *runEnv) stopTaps(model ui.Model) {
	hold := make(chan os.Signal, 1)
	signal.Notify(hold, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(hold)
	for _, note := range model.StopTaps() {
		fmt.Fprintf(env.stderr, "sockscope: %s\n", safetext.Line(note))
	}
}

// startHeaders is the TUI's share of -H and --rpc-header, and the flags
// as given: sent on every call to the sockets the user opens, never to
// those the scan probes. The reflection share goes into the session.
func (o *options) startHeaders() (ui.Headers, error) {
	h := ui.Headers{Expand: o.expandHeaders}
	var err error
	if h.Call, err = o.callHeaders(); err != nil {
		return h, err
	}
	for _, f := range o.headerFlags() {
		for _, v := range f.values {
			h.Args = append(h.Args, f.name, v)
		}
	}
	return h, nil
}
