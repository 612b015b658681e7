package client

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"sockscope/internal/safetext"
)

// statusDetailsKey is the trailer that carries a google.rpc.Status with
// the error's details.
const statusDetailsKey = "grpc-status-details-bin"

// MetadataValueText is a header or trailer value as a terminal may show
// it: a binary (-bin) value as base64, grpc-status-details-bin as its
// decoded status on one line, and any other value escaped (safetext.Line),
// since metadata comes from the peer.
func MetadataValueText(key, value string, resolver TypeResolver) string {
	if !strings.HasSuffix(key, "-bin") {
		return safetext.Line(value)
	}
	if key == statusDetailsKey {
		var st spb.Status
		if proto.Unmarshal([]byte(value), &st) == nil {
			if text, err := StatusJSON(status.FromProto(&st), resolver); err == nil {
				var line bytes.Buffer
				if json.Compact(&line, text) == nil {
					return "(decoded) " + line.String()
				}
			}
		}
	}
	return base64.StdEncoding.EncodeToString([]byte(value))
}

// MetadataLine is one header or trailer value as a terminal may show it.
type MetadataLine struct{ Key, Value string }

// MetadataLines are md's values sorted by key, each escaped or encoded by
// MetadataValueText, for -v and the TUI's header view alike.
func MetadataLines(md map[string][]string, resolver TypeResolver) []MetadataLine {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []MetadataLine
	for _, k := range keys {
		for _, v := range md[k] {
			lines = append(lines, MetadataLine{Key: safetext.Line(k), Value: MetadataValueText(k, v, resolver)})
		}
	}
	return lines
}
