package session

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"sockscope/client"
	"sockscope/reflection"
	"sockscope/sockets"
)

// Explained is a failure with what is known to help: each hint is one
// sentence a frontend shows beside the error (scripted mode as "hint: …"
// lines, the TUI under the error). Its message is the underlying error's.
type Explained struct {
	Err   error
	Hints []string
}

func (e *Explained) Error() string { return e.Err.Error() }
func (e *Explained) Unwrap() error { return e.Err }

// Hints are the hints err carries, nil when it carries none.
func Hints(err error) []string {
	var e *Explained
	if errors.As(err, &e) {
		return e.Hints
	}
	return nil
}

// credentialsHint is said when reflection (or a probe) is refused for want
// of credentials: the flags that send them are the fix in every frontend.
const credentialsHint = "the server wants credentials for reflection too: -H 'key: value' (or -H @file, one header a line) sends a header with reflection and the call, --reflect-header with reflection only"

// UndescribedHint is said beside a service that reflection lists without
// describing (reflection.ErrUndescribed): its schema has to come from files.
const UndescribedHint = "the schema of what reflection does not describe can be given with --proto FILE (and --import-path DIR) or --protoset FILE; files and reflection combine"

// explain adds the hints a failure calls for. schema says the failure came
// from a schema look-up, where a refusal means reflection wants credentials.
func (s *Session) explain(err error, schema bool) error {
	if err == nil {
		return nil
	}
	var hints []string
	if code := status.Code(err); schema && (code == codes.Unauthenticated || code == codes.PermissionDenied) {
		hints = append(hints, credentialsHint)
	}
	if errors.Is(err, reflection.ErrUndescribed) {
		hints = append(hints, UndescribedHint)
	}
	if hint := s.peerHint(status.Code(err)); hint != "" {
		hints = append(hints, hint)
	}
	if len(hints) == 0 {
		return err
	}
	return &Explained{Err: err, Hints: hints}
}

// CallHints are the hints for a call that ended with st: the metadata a
// daemon is known to want (containerd's namespace), or what the peer speaks
// when gRPC could not reach it.
func (s *Session) CallHints(st *status.Status) []string {
	if st == nil || st.Code() == codes.OK {
		return nil
	}
	if sug, ok := client.SuggestMetadata(st); ok {
		return []string{fmt.Sprintf("%s: add -H '%s'", sug.Why, sug.Line())}
	}
	if hint := s.peerHint(st.Code()); hint != "" {
		return []string{hint}
	}
	return nil
}

// peerHint says what the socket speaks when gRPC failed on it with
// Unavailable, which gRPC puts in HTTP/2 terms only; "" otherwise. A peer
// that finished gRPC's HTTP/2 handshake on this session's connection has
// shown it is a server of that kind: it is said to have gone away, never
// to be something else.
func (s *Session) peerHint(code codes.Code) string {
	if code != codes.Unavailable || s.cfg.Address == "" {
		return ""
	}
	if s.ready.Load() {
		return s.goneHint()
	}
	if err := s.watch.Failure(context.Background(), PeerProbeTimeout); err != nil {
		return err.Error()
	}
	return sockets.ExplainNotGRPC(context.Background(), s.target, PeerProbeTimeout)
}

// goneHint is said when a server that spoke gRPC on the connection broke
// it: it exited, restarted or dropped the connection. What the address is
// now is worth adding for a unix socket.
func (s *Session) goneHint() string {
	hint := fmt.Sprintf("%s spoke gRPC on this connection and then broke it: it may have exited, restarted or dropped the connection", s.target)
	if now := sockets.DescribeNow(context.Background(), s.target, PeerProbeTimeout); now != "" {
		hint += "; " + now
	}
	return hint
}
