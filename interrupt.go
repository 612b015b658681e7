package main

import (
	"context"
	"os"
	"os/signal"
	"time"
)

// baseContext is interruptible and ends at --max-time.
func (env *runEnv) baseContext() (context.Context, context.CancelFunc) {
	ctx, release := interruptible()
	if env.opts.maxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, env.opts.maxTime)
		return ctx, func() { cancel(); release() }
	}
	return ctx, release
}

// interruptGrace is how long a scripted mode runs before it catches SIGINT:
// catching it (os/signal) starts a thread, which a call that ends sooner
// gains nothing from; until then Ctrl-C ends the process as it would any
// program (bench/call.sh measures the difference).
const interruptGrace = 50 * time.Millisecond

// interruptible returns a context that SIGINT cancels once interruptGrace
// has passed, so that an interrupted call ends with CANCELLED and prints
// what it has rather than dying mid-write; release stops catching.
func interruptible() (ctx context.Context, release context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	catch := time.AfterFunc(interruptGrace, func() {
		interrupts := make(chan os.Signal, 1)
		signal.Notify(interrupts, os.Interrupt)
		defer signal.Stop(interrupts)
		select {
		case <-interrupts:
			cancel()
		case <-ctx.Done():
		}
	})
	return ctx, func() {
		catch.Stop()
		cancel()
	}
}
