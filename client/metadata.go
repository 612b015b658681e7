package client

import (
	"encoding/base64"
	"fmt"
	"strings"

	"google.golang.org/grpc/metadata"

	"sockscope/internal/safetext"
)

// ParseHeaders parses `key: value` lines, as -H takes them. Keys are
// lower-cased and values trimmed; the value of a `-bin` key is base64,
// padded or not, and is decoded. A bad line is an error that names the line
// and says what is wrong with it.
//
// Problems gRPC would only report once the call is under way (invalid key
// characters, reserved names, non-printable values) are caught here instead.
func ParseHeaders(lines []string) (metadata.MD, error) {
	md := metadata.MD{}
	for i, line := range lines {
		key, value, err := parseHeader(line)
		if err != nil {
			// The line is named by its position and key only: its value
			// may be a credential, which must not land in a log or a terminal.
			name, _, _ := strings.Cut(line, ":")
			return nil, fmt.Errorf("header %d (%s): %w", i+1, safetext.Clip(strings.TrimSpace(name), 40), err)
		}
		md[key] = append(md[key], value)
	}
	return md, nil
}

func parseHeader(line string) (key, value string, err error) {
	rawKey, rawValue, found := strings.Cut(line, ":")
	if !found {
		return "", "", fmt.Errorf("missing ':' (want \"key: value\")")
	}
	key = strings.ToLower(strings.TrimSpace(rawKey))
	value = strings.TrimSpace(rawValue)
	switch {
	case key == "":
		if name, _, ok := strings.Cut(rawValue, ":"); ok && name != "" && !strings.ContainsAny(name, " \t") {
			return "", "", fmt.Errorf("pseudo-headers such as :authority cannot be set")
		}
		return "", "", fmt.Errorf("empty key (want \"key: value\")")
	case strings.HasPrefix(key, "grpc-"):
		return "", "", fmt.Errorf("key %q is reserved by gRPC", key)
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "", "", fmt.Errorf("key %q contains %q (allowed: a-z 0-9 - _ .)", key, c)
		}
	}
	if strings.HasSuffix(key, "-bin") {
		decoded, err := decodeBinaryValue(value)
		if err != nil {
			return "", "", fmt.Errorf("value of binary key %q is not base64: %w", key, err)
		}
		return key, decoded, nil
	}
	for _, c := range []byte(value) {
		if c < 0x20 || c > 0x7e {
			return "", "", fmt.Errorf("value contains byte 0x%02x; only printable ASCII is allowed (use a key ending in -bin for binary values)", c)
		}
	}
	return key, value, nil
}

// decodeBinaryValue accepts padded and unpadded base64, as both are common in
// the wild.
func decodeBinaryValue(value string) (string, error) {
	if b, err := base64.StdEncoding.DecodeString(value); err == nil {
		return string(b), nil
	}
	b, err := base64.RawStdEncoding.DecodeString(value)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
