package client

import (
	"slices"
	"testing"
)

func TestTLSFlagsForCopiedCommandLines(t *testing.T) {
	cases := []struct {
		opts      *TLSOptions
		sockscope []string
		grpcurl   []string
	}{
		{nil, nil, []string{"-plaintext"}},
		{&TLSOptions{}, []string{"--tls"}, nil},
		{&TLSOptions{CACertFile: "ca.pem", CertFile: "me.pem", KeyFile: "me.key", ServerName: "api", Insecure: true},
			[]string{"--cacert", "ca.pem", "--cert", "me.pem", "--key", "me.key", "--servername", "api", "--insecure"},
			[]string{"-cacert", "ca.pem", "-cert", "me.pem", "-key", "me.key", "-servername", "api", "-insecure"}},
	}
	for _, c := range cases {
		if got := c.opts.Flags(); !slices.Equal(got, c.sockscope) {
			t.Errorf("%+v: Flags %q, want %q", c.opts, got, c.sockscope)
		}
		if got := c.opts.GrpcurlFlags(); !slices.Equal(got, c.grpcurl) {
			t.Errorf("%+v: GrpcurlFlags %q, want %q", c.opts, got, c.grpcurl)
		}
	}
}

func TestTLSServerName(t *testing.T) {
	tcp := Target{Network: "tcp", Address: "api.internal:8443"}
	unix := Target{Network: "unix", Address: "/run/x.sock"}
	for _, c := range []struct {
		opts      TLSOptions
		t         Target
		authority string
		want      string
	}{
		{TLSOptions{}, tcp, "", "api.internal"},
		{TLSOptions{}, unix, "", "localhost"},
		{TLSOptions{}, tcp, "front.example:443", "front.example"},
		{TLSOptions{ServerName: "cert.example"}, tcp, "front.example", "cert.example"},
	} {
		if got := c.opts.serverName(c.t, c.authority); got != c.want {
			t.Errorf("%+v %v %q: server name %q, want %q", c.opts, c.t, c.authority, got, c.want)
		}
	}
}
