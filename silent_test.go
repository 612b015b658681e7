package main

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
)

// TestSilentListenerEveryMode is finding 3 of issue 13: a socket that
// accepts and never speaks (containerd's .ttrpc socket) is given up on
// after --connect-timeout in every mode, with the explanation, whichever
// schema source is in use; --max-time ends a call as a deadline does.
// What ended each is told by the message, which names the limit that did.
func TestSilentListenerEveryMode(t *testing.T) {
	sock := silentListener(t)
	protoset := writeSampleProtoset(t)
	const explained = "no handshake within --connect-timeout 1s: it accepted the connection but does not answer gRPC's HTTP/2 handshake"
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"call", []string{"--call", "sample.v1.Echo/Echo"}, exitFailure},
		{"call with a protoset", []string{"--call", "sample.v1.Echo/Echo", "--protoset", protoset}, exitFailure},
		{"list", []string{"--list"}, exitFailure},
		{"list with a protoset", []string{"--list", "--protoset", protoset}, exitFailure},
		{"describe", []string{"--describe", "sample.v1.Echo"}, exitFailure},
		{"template", []string{"--template", "sample.v1.Echo/Echo"}, exitFailure},
		{"health", []string{"--health"}, exitHealthConnect},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, nil, append(c.args, "--connect-timeout", "1s", sock)...).want(t, c.code)
			if !strings.Contains(r.stderr, explained) {
				t.Errorf("stderr lacks the explanation:\n%s", r.stderr)
			}
		})
	}
	deadline := exitRPCBase + int(codes.DeadlineExceeded)
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "--max-time", "1ns", sock).want(t, deadline)
	if !strings.Contains(r.stderr, "not connected within --max-time 1ns") {
		t.Errorf("--max-time 1ns: %s", r.stderr)
	}
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "--max-time", "300ms", "--connect-timeout", "5s", sock).want(t, deadline)
	if !strings.Contains(r.stderr, "no handshake within --max-time 300ms: it accepted the connection but does not answer") {
		t.Errorf("--max-time during the handshake lost the explanation: %s", r.stderr)
	}
}
