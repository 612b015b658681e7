package client

import (
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestSuggestMetadata(t *testing.T) {
	// containerd's words when a call lacks its namespace header.
	st := status.New(codes.FailedPrecondition, "namespace is required: failed precondition")
	sug, ok := SuggestMetadata(st)
	if !ok || sug.Line() != "containerd-namespace: default" {
		t.Errorf("containerd without a namespace: %+v, %v", sug, ok)
	}
	for _, st := range []*status.Status{
		status.New(codes.FailedPrecondition, "volume is busy"),
		status.New(codes.NotFound, "namespace is required"),
		status.New(codes.OK, ""),
	} {
		if sug, ok := SuggestMetadata(st); ok {
			t.Errorf("%v: suggested %+v for an unrelated failure", st, sug)
		}
	}
}

func TestTransportHint(t *testing.T) {
	httpPath, httpLis := listenUnix(t)
	httpSrv := &http.Server{Handler: http.NotFoundHandler()}
	go httpSrv.Serve(httpLis)
	t.Cleanup(func() { httpSrv.Close() })

	// A server that takes the connection and hangs up at once.
	closingPath, closingLis := listenUnix(t)
	go func() {
		for {
			c, err := closingLis.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	for _, tc := range []struct {
		path, want string
	}{
		{httpPath, "HTTP/1.1, not gRPC's HTTP/2"},
		{closingPath, "did not answer in HTTP/2"},
	} {
		conn, err := Dial(testContext(t), Target{Network: "unix", Address: tc.path}, DialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Health(testContext(t), conn, "")
		conn.Close()
		if hint := TransportHint(err); !strings.Contains(hint, tc.want) {
			t.Errorf("%s: error %v gave hint %q, want one saying %q", tc.path, err, hint, tc.want)
		}
	}
	if hint := TransportHint(status.Error(codes.Unavailable, "the daemon is restarting")); hint != "" {
		t.Errorf("a server's own Unavailable got hint %q", hint)
	}
}
