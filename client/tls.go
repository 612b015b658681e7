package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// TLSOptions says how to dial with TLS, as grpcurl's flags do; a nil
// *TLSOptions dials in plaintext. Each field keeps the flag's value as
// given, so that a frontend can copy the command line.
type TLSOptions struct {
	// CACertFile is a PEM file of the authorities to trust (--cacert);
	// empty trusts the system's roots.
	CACertFile string
	// CertFile and KeyFile are the client's certificate and key, in PEM,
	// for servers that want one (--cert, --key).
	CertFile, KeyFile string
	// ServerName is the name the server's certificate must carry, sent in
	// SNI (--servername); empty means the authority's host, or the TCP
	// address's host, or "localhost" for a unix socket.
	ServerName string
	// Insecure skips verifying the server's certificate (--insecure).
	Insecure bool
}

// Flags are the options as sockscope's command-line flags, for a copied
// command line: --tls alone when no other is set.
func (o *TLSOptions) Flags() []string {
	if o == nil {
		return nil
	}
	var flags []string
	if o.CACertFile != "" {
		flags = append(flags, "--cacert", o.CACertFile)
	}
	if o.CertFile != "" {
		flags = append(flags, "--cert", o.CertFile)
	}
	if o.KeyFile != "" {
		flags = append(flags, "--key", o.KeyFile)
	}
	if o.ServerName != "" {
		flags = append(flags, "--servername", o.ServerName)
	}
	if o.Insecure {
		flags = append(flags, "--insecure")
	}
	if len(flags) == 0 {
		flags = []string{"--tls"}
	}
	return flags
}

// GrpcurlFlags are the same options as grpcurl's flags; nil options give
// grpcurl's -plaintext.
func (o *TLSOptions) GrpcurlFlags() []string {
	if o == nil {
		return []string{"-plaintext"}
	}
	var flags []string
	for _, f := range [][2]string{{"-cacert", o.CACertFile}, {"-cert", o.CertFile}, {"-key", o.KeyFile}, {"-servername", o.ServerName}} {
		if f[1] != "" {
			flags = append(flags, f[0], f[1])
		}
	}
	if o.Insecure {
		flags = append(flags, "-insecure")
	}
	return flags
}

// InsecureWarning is what a frontend says, loudly, whenever --insecure is
// in force.
const InsecureWarning = "--insecure: the server's certificate is not verified, so anyone between here and the server can read and change what is sent"

// Config loads the files and builds the TLS configuration for a connection
// to t with the given :authority. A file that cannot be read or holds no
// usable certificate is named with its flag.
func (o *TLSOptions) Config(t Target, authority string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: o.serverName(t, authority), InsecureSkipVerify: o.Insecure, MinVersion: tls.VersionTLS12}
	if o.CACertFile != "" {
		pem, err := os.ReadFile(o.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("--cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--cacert %s: no PEM certificate in it", o.CACertFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case o.CertFile != "" && o.KeyFile != "":
		pair, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--cert %s --key %s: %w", o.CertFile, o.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	case o.CertFile != "":
		return nil, fmt.Errorf("--cert %s needs --key FILE, the certificate's private key", o.CertFile)
	case o.KeyFile != "":
		return nil, fmt.Errorf("--key %s needs --cert FILE, the certificate it is the key of", o.KeyFile)
	}
	return cfg, nil
}

func (o *TLSOptions) serverName(t Target, authority string) string {
	name := o.ServerName
	if name == "" {
		name = authority
	}
	if name == "" && t.Network == "tcp" {
		name = t.Address
	}
	if host, _, err := net.SplitHostPort(name); err == nil {
		name = host
	}
	if name == "" {
		name = "localhost"
	}
	return name
}

// Sentinels of TLS failures (see HandshakeWatch.Failure); test them with
// errors.Is.
var (
	// ErrTLSMismatch means one side speaks TLS and the other does not: the
	// server answered a TLS dial in plaintext, or refused a plaintext one
	// the way TLS servers do.
	ErrTLSMismatch = errors.New("TLS mismatch")
	// ErrUntrustedCertificate means the server's certificate did not
	// verify: an unknown authority, another name, or out of date.
	ErrUntrustedCertificate = errors.New("untrusted certificate")
	// ErrClientCertificate means the server wants a client certificate it
	// was not given, or refused the one it was given.
	ErrClientCertificate = errors.New("client certificate refused")
)

// tlsFailure is a classified TLS failure: its message says what to do, and
// it wraps its sentinel without repeating the sentinel's words.
type tlsFailure struct {
	msg  string
	kind error
}

func (e *tlsFailure) Error() string { return e.msg }
func (e *tlsFailure) Unwrap() error { return e.kind }

func failTLS(kind error, format string, args ...any) error {
	return &tlsFailure{msg: fmt.Sprintf(format, args...), kind: kind}
}

// certificateAlerts are the alerts, by their text in Go's "remote error:
// tls: …", with which a server refuses a client's certificate or the lack
// of one.
var certificateAlerts = []string{"certificate required", "bad certificate", "unknown certificate authority",
	"unsupported certificate", "certificate revoked", "certificate expired", "unknown certificate", "access denied"}

// classifyTLSError says what a failed TLS handshake (or the alert read
// right after it, where TLS 1.3 reports a refused client certificate)
// means; nil when it is no TLS failure.
func classifyTLSError(t Target, cfg *TLSOptions, err error) error {
	var (
		recordErr   tls.RecordHeaderError
		unknownCA   x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
	)
	certHint := "give the authority that signed it with --cacert FILE, or skip verification with --insecure"
	switch {
	case errors.As(err, &recordErr):
		return failTLS(ErrTLSMismatch, "%s does not speak TLS (it answered in plaintext): drop --tls and the other TLS flags", t)
	case errors.As(err, &hostnameErr):
		return failTLS(ErrUntrustedCertificate, "%s: the server's certificate is not for %q (%v): name the one it is for with --servername NAME, or %s",
			t, hostnameErr.Host, hostnameErr, certHint)
	case errors.As(err, &unknownCA):
		return failTLS(ErrUntrustedCertificate, "%s: the server's certificate is signed by an authority this machine does not trust: %s", t, certHint)
	case errors.As(err, &invalidErr):
		return failTLS(ErrUntrustedCertificate, "%s: the server's certificate is not valid: %v", t, invalidErr)
	case errors.As(err, &verifyErr):
		return failTLS(ErrUntrustedCertificate, "%s: the server's certificate does not verify: %v: %s", t, verifyErr.Err, certHint)
	}
	msg := err.Error()
	i := strings.Index(msg, "remote error: tls: ")
	if i < 0 {
		return nil
	}
	alert := msg[i+len("remote error: tls: "):]
	for _, a := range certificateAlerts {
		if !strings.HasPrefix(alert, a) {
			continue
		}
		if cfg != nil && cfg.CertFile != "" {
			return failTLS(ErrClientCertificate, "%s refused the client certificate %s (%s): it wants one its authorities signed", t, cfg.CertFile, alert)
		}
		return failTLS(ErrClientCertificate, "%s wants a client certificate (%s): give it with --cert FILE --key FILE", t, alert)
	}
	return fmt.Errorf("%s ended the TLS handshake: %s", t, alert)
}
