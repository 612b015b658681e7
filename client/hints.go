package client

import (
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// MetadataSuggestion is a header a known daemon requires, recognised from
// the error it answers without it.
type MetadataSuggestion struct {
	Key, Value string
	// Why says, in a sentence, which daemon wants it and what else fits.
	Why string
}

// Line is the suggestion as a -H argument or a metadata editor line.
func (s MetadataSuggestion) Line() string { return s.Key + ": " + s.Value }

// SuggestMetadata recognises failures that mean a known daemon's required
// header is missing. Daemons say so only in prose, so it matches the
// message; ok is false for every other status.
func SuggestMetadata(st *status.Status) (MetadataSuggestion, bool) {
	if st.Code() == codes.FailedPrecondition && strings.Contains(st.Message(), "namespace is required") {
		return MetadataSuggestion{
			Key:   "containerd-namespace",
			Value: "default",
			Why:   "containerd needs a namespace (default for its own clients, k8s.io for Kubernetes' containers, moby for Docker's)",
		}, true
	}
	return MetadataSuggestion{}, false
}
