package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc/credentials"
)

// HandshakeWatch records how the handshakes of a connection Dial made went,
// so that one that failed can be told in its own terms: gRPC reports every
// one of them as Unavailable, in HTTP/2's words. Give one to Dial in
// DialOptions.Watch; it is safe for concurrent use.
type HandshakeWatch struct {
	target    Target
	tls       *TLSOptions
	tlsConfig *tls.Config

	mu       sync.Mutex
	tlsErr   error  // the first TLS failure, classified
	first    []byte // the first bytes a plaintext peer sent
	silent   bool   // a plaintext peer closed before sending a byte
	answered bool   // the peer sent something
}

// Failure says why the connection's handshake failed, as far as it can be
// told, within timeout: a TLS failure (wrapping ErrTLSMismatch,
// ErrUntrustedCertificate or ErrClientCertificate), or a plaintext dial of
// a peer that speaks TLS (ErrTLSMismatch), which is tried when a TCP peer
// closed the connection without a word, as TLS servers do with a
// plaintext client. nil when nothing it can explain happened.
func (w *HandshakeWatch) Failure(ctx context.Context, timeout time.Duration) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	tlsErr, first, silent := w.tlsErr, w.first, w.silent
	w.mu.Unlock()
	switch {
	case tlsErr != nil:
		return tlsErr
	case w.tls != nil:
		// The connection may have broken on a write before the server's
		// alert was read (TLS 1.3 refuses a client certificate after the
		// client's side of the handshake is done): a handshake of our own
		// that only listens reads it.
		return w.tlsRefusal(ctx, timeout)
	case looksLikeTLSRecord(first):
		return failTLS(ErrTLSMismatch, "%s speaks TLS and was dialed in plaintext: add --tls (with --cacert FILE for a private authority)", w.target)
	case silent && speaksTLS(ctx, w.target, timeout):
		return failTLS(ErrTLSMismatch, "%s speaks TLS and was dialed in plaintext: add --tls (with --cacert FILE for a private authority); it closed the connection at the HTTP/2 preface and answers a TLS handshake", w.target)
	}
	return nil
}

// Answered tells whether the peer sent anything on the connection.
func (w *HandshakeWatch) Answered() bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.answered
}

// tlsRefusal makes a TLS handshake with the connection's configuration and
// waits, within timeout, for what the server says after it; the refusal it
// reads, classified, or nil.
func (w *HandshakeWatch) tlsRefusal(ctx context.Context, timeout time.Duration) error {
	if w.tlsConfig == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cfg := w.tlsConfig.Clone()
	cfg.NextProtos = []string{"h2"}
	d := tls.Dialer{Config: cfg}
	conn, err := d.DialContext(ctx, w.target.Network, w.target.Address)
	if err == nil {
		deadline, _ := ctx.Deadline()
		conn.SetReadDeadline(deadline)
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	if err == nil {
		return nil
	}
	return classifyTLSError(w.target, w.tls, err)
}

// looksLikeTLSRecord tells a TLS record header: an alert or a handshake
// record of TLS 1.0 to 1.3.
func looksLikeTLSRecord(b []byte) bool {
	return len(b) >= 3 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 3 && b[2] <= 4
}

// speaksTLS tries a TLS handshake with t, trusting anything, and reports
// whether the peer took part in one.
func speaksTLS(ctx context.Context, t Target, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}} //nolint:gosec // only asks whether the peer speaks TLS
	conn, err := d.DialContext(ctx, t.Network, t.Address)
	if err == nil {
		conn.Close()
		return true
	}
	var alert tls.AlertError
	return errors.As(err, &alert)
}

func (w *HandshakeWatch) noteTLS(err error) {
	classified := classifyTLSError(w.target, w.tls, err)
	if classified == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.tlsErr == nil {
		w.tlsErr = classified
	}
}

func (w *HandshakeWatch) noteRead(b []byte, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(b) > 0 {
		if !w.answered && w.tls == nil {
			w.first = bytes.Clone(b[:min(len(b), 8)])
		}
		w.answered = true
		return
	}
	if err != nil && !w.answered && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
		w.silent = true
	}
}

// watchedConn tells its HandshakeWatch what it reads until the peer has
// said something, and every read error after a TLS handshake (TLS 1.3
// refuses a client certificate only then).
type watchedConn struct {
	net.Conn
	w    *HandshakeWatch
	tls  bool
	seen bool
}

func (c *watchedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if !c.seen {
		c.w.noteRead(b[:n], err)
		c.seen = n > 0
	}
	if err != nil && c.tls {
		c.w.noteTLS(err)
	}
	return n, err
}

// watchedCredentials are TLS credentials that tell a HandshakeWatch how
// each handshake went.
type watchedCredentials struct {
	credentials.TransportCredentials
	w *HandshakeWatch
}

func (c watchedCredentials) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.TransportCredentials.ClientHandshake(ctx, authority, raw)
	if err != nil {
		c.w.noteTLS(err)
		return nil, nil, err
	}
	return &watchedConn{Conn: conn, w: c.w, tls: true}, info, nil
}

func (c watchedCredentials) Clone() credentials.TransportCredentials {
	return watchedCredentials{TransportCredentials: c.TransportCredentials.Clone(), w: c.w}
}
