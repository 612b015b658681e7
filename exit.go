package main

import (
	"errors"
	"fmt"

	"sockscope/client"
	"sockscope/internal/safetext"
	"sockscope/reflection"
	"sockscope/session"
)

// Exit statuses shared by every mode; a non-OK gRPC status exits with 64 + its code.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitRPCBase = 64
)

// exitError is a failure with the exit status it deserves.
type exitError struct {
	status int
	err    error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{status: exitUsage, err: fmt.Errorf(format, args...)}
}

// report prints err and its hints on stderr, escaped: errors carry the
// server's messages and names.
func (env *runEnv) report(err error) {
	fmt.Fprintf(env.stderr, "sockscope: %s\n", safetext.Clip(err.Error(), maxMessageBytes))
	for _, hint := range session.Hints(err) {
		fmt.Fprintln(env.stderr, "hint: "+safetext.Clip(hint, maxMessageBytes))
	}
}

// maxMessageBytes bounds an error line: it holds the server's own message,
// which may be of any size.
const maxMessageBytes = 2000

// fail prints err with the hints the session found for it and returns the
// exit status it deserves: bad input and unknown symbols are usage errors.
func (env *runEnv) fail(err error) int {
	env.report(err)
	var ee *exitError
	var inputErr *client.InputError
	var usage *session.UsageError
	switch {
	case errors.As(err, &ee):
		return ee.status
	case errors.As(err, &inputErr), errors.As(err, &usage), errors.Is(err, reflection.ErrNotFound):
		return exitUsage
	default:
		return exitFailure
	}
}
