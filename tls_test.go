package main

import (
	"strings"
	"testing"

	"sockscope/sockets/socketstest"
)

// TestTLS is finding 11 of issue 13: TLS on TCP, with grpcurl's flags,
// against a grpc-go server whose certificates the test made, and the
// messages of every mismatch.
func TestTLS(t *testing.T) {
	addr, files := socketstest.ServeTLS(t, false)
	mtlsAddr, mtlsFiles := socketstest.ServeTLS(t, true)
	plain := socketstest.ServeTCP(t)
	echo := []string{"--call", "sample.v1.Echo/Echo", "-d", `{"message":"hi"}`}

	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr []string
	}{
		{"call with --cacert", append(echo, "--cacert", files.CA, addr), exitOK, `"message": "hi"`, nil},
		{"list with --cacert", []string{"--list", "--cacert", files.CA, addr}, exitOK, "sample.v1.Echo/Echo", nil},
		{"health with --cacert", []string{"--health", "--cacert", files.CA, addr}, exitHealthServing, "SERVING", nil},
		{"--tls without the authority", append(echo, "--tls", addr), exitFailure, "",
			[]string{"signed by an authority this machine does not trust", "--cacert FILE", "--insecure"}},
		{"--insecure", append(echo, "--insecure", addr), exitOK, `"message": "hi"`, []string{"warning: --insecure: the server's certificate is not verified"}},
		{"another name", append(echo, "--cacert", files.CA, "--servername", "other.example", addr), exitFailure, "",
			[]string{`certificate is not for "other.example"`, "--servername NAME"}},
		{"plaintext to TLS", append(echo, addr), exitFailure, "", []string{"speaks TLS and was dialed in plaintext: add --tls"}},
		{"plaintext list to TLS", []string{"--list", addr}, exitFailure, "", []string{"speaks TLS and was dialed in plaintext"}},
		{"plaintext health to TLS", []string{"--health", addr}, exitHealthConnect, "", []string{"speaks TLS and was dialed in plaintext"}},
		{"TLS to plaintext", append(echo, "--tls", plain), exitFailure, "", []string{"does not speak TLS (it answered in plaintext): drop --tls"}},
		{"mTLS without a certificate", append(echo, "--cacert", mtlsFiles.CA, mtlsAddr), exitFailure, "",
			[]string{"wants a client certificate (certificate required): give it with --cert FILE --key FILE"}},
		{"mTLS", append(echo, "--cacert", mtlsFiles.CA, "--cert", mtlsFiles.ClientCert, "--key", mtlsFiles.ClientKey, mtlsAddr), exitOK, `"message": "hi"`, nil},
		{"mTLS list", []string{"--list", "--cacert", mtlsFiles.CA, "--cert", mtlsFiles.ClientCert, "--key", mtlsFiles.ClientKey, mtlsAddr}, exitOK, "sample.v1.Echo/Echo", nil},
		{"a certificate of another authority", append(echo, "--cacert", mtlsFiles.CA, "--cert", files.ClientCert, "--key", files.ClientKey, mtlsAddr), exitFailure, "",
			[]string{"refused the client certificate"}},
		{"--cert without --key", append(echo, "--cert", files.ClientCert, addr), exitUsage, "", []string{"--cert " + files.ClientCert + " needs --key FILE"}},
		{"a missing --cacert", append(echo, "--cacert", files.CA+".missing", addr), exitUsage, "", []string{"--cacert: open " + files.CA + ".missing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, nil, c.args...).want(t, c.code)
			if !strings.Contains(r.stdout, c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, r.stdout)
			}
			for _, want := range c.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
}
