package client

import (
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
