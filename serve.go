package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sockscope/internal/startup"
	"sockscope/sample"
)

// gracePeriod is how long in-flight calls (a Chat left open, a long Sleep)
// may take to finish after SIGINT/SIGTERM before they are cut off.
const gracePeriod = 2 * time.Second

func (env *runEnv) serveSample() int {
	startup.UseAllCPUs()
	mode, err := sample.ParseReflection(env.opts.reflection)
	if err != nil {
		return env.fail(usageError("--reflection: %v", err))
	}
	path := env.opts.socket
	if path == "" {
		path = sample.DefaultSocketPath()
	}
	lis, err := sample.Listen(path)
	if err != nil {
		return env.fail(err)
	}
	if lis.Warning != "" {
		fmt.Fprintf(env.stderr, "sockscope: warning: %s\n", lis.Warning)
	}
	defer func() {
		note, err := lis.Remove()
		switch {
		case err != nil:
			env.report(err)
		case note != "":
			fmt.Fprintf(env.stderr, "sockscope: %s\n", note)
		}
	}()
	srv := sample.NewServer(sample.Options{Reflection: mode, Token: env.opts.token})

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		<-signals
		done := make(chan struct{})
		go func() { srv.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(gracePeriod):
			srv.Stop()
		}
	}()

	fmt.Fprintln(env.stdout, lis.Addr().String())
	if err := srv.Serve(lis); err != nil {
		return env.fail(fmt.Errorf("sample server on %s: %w", path, err))
	}
	return exitOK
}
