package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"sockscope/client"
	"sockscope/session"
)

// Exit statuses of --health, the ones grpc_health_probe uses, so it can
// replace that probe in scripts and container health checks.
const (
	exitHealthServing    = 0
	exitHealthUsage      = 1
	exitHealthConnect    = 2
	exitHealthRPC        = 3
	exitHealthNotServing = 4
)

func (env *runEnv) checkHealth() int {
	o := env.opts
	header, err := o.callHeaders()
	if err != nil {
		env.report(err)
		return exitHealthUsage
	}
	ctx, release := interruptible()
	defer release()
	env.warnInsecure()
	s, err := session.Open(ctx, session.Config{Address: o.address, ConnectTimeout: o.connectTimeout, Authority: o.authority, TLS: o.tlsOptions()})
	var usage *session.UsageError
	switch {
	case errors.As(err, &usage):
		env.report(err)
		return exitHealthUsage
	case err != nil:
		env.report(err)
		return exitHealthConnect
	}
	defer s.Close()
	if len(header) > 0 {
		// Health servers behind an authenticating interceptor want credentials too.
		ctx = metadata.NewOutgoingContext(ctx, header)
	}
	// A listener that accepts and never answers must not hang a health
	// check; grpc_health_probe gives the RPC one second by default too.
	rpcTimeout := o.maxTime
	if rpcTimeout == 0 {
		rpcTimeout = time.Second
	}
	rpcCtx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	state, err := client.Health(rpcCtx, s.Conn(), o.healthService)
	if status.Code(err) == codes.Unavailable {
		// The peer was never reached as a gRPC server, as
		// grpc_health_probe's failed connect: say what it speaks instead.
		env.report(&session.Explained{Err: err, Hints: s.CallHints(status.Convert(err))})
		return exitHealthConnect
	}
	if err != nil {
		env.report(err)
		return exitHealthRPC
	}
	fmt.Fprintln(env.stdout, state)
	if state != "SERVING" {
		return exitHealthNotServing
	}
	return exitHealthServing
}
