package main

import (
	"errors"
	"fmt"

	"sockscope/client"
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

// fail prints err with the hints the session found for it and returns the
// exit status it deserves: bad input and unknown symbols are usage errors.
func (env *runEnv) fail(err error) int {
	fmt.Fprintf(env.stderr, "sockscope: %v\n", err)
	for _, hint := range session.Hints(err) {
		fmt.Fprintln(env.stderr, "hint: "+hint)
	}
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
