package socketstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sockscope/sample"
)

// TLSFiles are the PEM files ServeTLS makes: an authority, the server's
// certificate (for localhost and 127.0.0.1) that it signed, and a client
// certificate it signed too.
type TLSFiles struct {
	CA, ClientCert, ClientKey string
}

// ServeTLS serves the sample server (v1 reflection) over TLS on a loopback
// TCP port, with a certificate authority made for the test, and returns
// its host:port and the files. With wantClientCert the server refuses a
// client that presents no certificate of that authority.
func ServeTLS(t testing.TB, wantClientCert bool) (string, TLSFiles) {
	t.Helper()
	dir := t.TempDir()
	ca, caKey := newCertificate(t, nil, nil, "sockscope test CA", true)
	serverCert, serverKey := newCertificate(t, ca, caKey, "localhost", false)
	clientCert, clientKey := newCertificate(t, ca, caKey, "sockscope test client", false)
	files := TLSFiles{CA: filepath.Join(dir, "ca.pem"), ClientCert: filepath.Join(dir, "client.pem"), ClientKey: filepath.Join(dir, "client.key")}
	writePEM(t, files.CA, "CERTIFICATE", ca.Raw)
	writePEM(t, files.ClientCert, "CERTIFICATE", clientCert.Raw)
	writeKey(t, files.ClientKey, clientKey)

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{serverCert.Raw, ca.Raw}, PrivateKey: serverKey}},
		NextProtos:   []string{"h2"},
		MinVersion:   tls.VersionTLS12,
	}
	if wantClientCert {
		cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, pool
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1})
	go srv.Serve(tls.NewListener(l, cfg))
	t.Cleanup(srv.Stop)
	return l.Addr().String(), files
}

// ServeTCP serves the sample server (v1 reflection) in plaintext on a
// loopback TCP port and returns its host:port.
func ServeTCP(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1})
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return l.Addr().String()
}

func newCertificate(t testing.TB, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, name string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.ExtKeyUsage = nil
	} else if name == "localhost" {
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeKey(t testing.TB, path string, key *ecdsa.PrivateKey) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, path, "PRIVATE KEY", der)
}
