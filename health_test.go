package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"sockscope/sample"
	"sockscope/sockets/socketstest"
)

// TestHealthOfPeersThatAreNotGRPC is finding 9 of issue 13: a peer that
// is not a gRPC server cannot be connected to, as grpc_health_probe's exit
// status 2 says, and the message says what it speaks.
func TestHealthOfPeersThatAreNotGRPC(t *testing.T) {
	rest := filepath.Join(shortDir(t), "rest.sock")
	socketstest.ServeHTTP1(t, rest)
	r := runCLI(t, nil, "--health", rest).want(t, exitHealthConnect)
	if !strings.Contains(r.stderr, "hint: "+rest+" is not a gRPC server: --scan would list it as http1") {
		t.Errorf("--health on an HTTP/1.1 server:\n%s", r.stderr)
	}
	r = runCLI(t, nil, "--health", "--connect-timeout", "1s", silentListener(t)).want(t, exitHealthConnect)
	if !strings.Contains(r.stderr, "does not answer gRPC's HTTP/2 handshake") {
		t.Errorf("--health on a silent listener:\n%s", r.stderr)
	}
}

func TestHealthExitCodes(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)

	// A server whose one service is not serving, as a daemon draining would be.
	draining := filepath.Join(shortDir(t), "d.sock")
	lis, err := net.Listen("unix", draining)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("drain.v1.Jobs", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)

	cases := []struct {
		name   string
		args   []string
		status int
		out    string
	}{
		{"server serving", []string{"--health", sock}, exitHealthServing, "SERVING"},
		{"service serving", []string{"--health", sock, "sample.v1.Echo"}, exitHealthServing, "SERVING"},
		{"unknown service", []string{"--health", sock, "no.such.Service"}, exitHealthRPC, ""},
		{"not serving", []string{"--health", draining, "drain.v1.Jobs"}, exitHealthNotServing, "NOT_SERVING"},
		{"cannot connect", []string{"--health", filepath.Join(shortDir(t), "none.sock")}, exitHealthConnect, ""},
		{"bad arguments", []string{"--health"}, exitHealthUsage, ""},
		{"bad flag", []string{"--health", sock, "--bogus"}, exitHealthUsage, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, nil, c.args...).want(t, c.status)
			if strings.TrimSpace(r.stdout) != c.out {
				t.Errorf("stdout %q, want %q", r.stdout, c.out)
			}
		})
	}
}
