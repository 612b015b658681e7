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
)

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
