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

// TransportHint says in one line what an Unavailable failure means when
// the peer is not a gRPC server at all, which gRPC reports only in HTTP/2
// terms; "" for every other error.
func TransportHint(err error) string {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Unavailable {
		return ""
	}
	switch msg := st.Message(); {
	case strings.Contains(msg, "looked like an HTTP/1.1 header"):
		return "the server answers in HTTP/1.1, not gRPC's HTTP/2: it is a REST or plain HTTP server (sockscope --scan shows what each socket speaks)"
	case strings.Contains(msg, "error reading server preface"):
		return "the server did not answer in HTTP/2, so it is not a gRPC server, or not one for plaintext clients (sockscope --scan shows what each socket speaks)"
	}
	return ""
}
