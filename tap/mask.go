package tap

import (
	"sort"
	"strconv"
	"strings"

	"google.golang.org/grpc/metadata"

	"sockscope/client"
	"sockscope/internal/safetext"
)

// secretWords make a metadata name secret-looking when it contains one.
var secretWords = []string{"token", "secret", "password", "key", "cookie"}

// IsSecretKey tells whether metadata under name (any case) looks like a
// credential: authorization, a cookie, or any name containing token,
// secret, password or key. Its values never leave the tap in the clear.
func IsSecretKey(name string) bool {
	name = strings.ToLower(name)
	if name == "authorization" || name == "proxy-authorization" {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// maskedValue replaces a secret value, keeping only its length, which
// tells an empty or truncated credential from a present one.
func maskedValue(v string) string {
	return "(masked, " + strconv.Itoa(len(v)) + " bytes)"
}

// maskMetadata masks md's secret-looking values in place and returns it.
func maskMetadata(md metadata.MD) metadata.MD {
	for k, vs := range md {
		if !IsSecretKey(k) {
			continue
		}
		for i, v := range vs {
			vs[i] = maskedValue(v)
		}
	}
	return md
}

// MetadataLines are md's values sorted by key, as a terminal may show
// them: masked values as the tap masked them, the rest escaped or encoded
// as client.MetadataValueText does (a -bin value as base64, a status's
// details decoded).
func MetadataLines(md metadata.MD, resolver client.TypeResolver) []client.MetadataLine {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []client.MetadataLine
	for _, k := range keys {
		for _, v := range md[k] {
			text := v
			if !IsSecretKey(k) {
				// A masked value is the tap's own text; encoding it as a
				// -bin value would hide what it says.
				text = client.MetadataValueText(k, v, resolver)
			}
			lines = append(lines, client.MetadataLine{Key: safetext.Line(k), Value: text})
		}
	}
	return lines
}
