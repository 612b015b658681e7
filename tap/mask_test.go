package tap

import (
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"
)

func TestSecretKeys(t *testing.T) {
	for key, secret := range map[string]bool{
		"authorization": true, "Authorization": true, "cookie": true, "set-cookie": true, "x-api-key": true,
		"x-auth-token": true, "client-secret": true, "db-password": true, "keycloak-session": true,
		"containerd-namespace": false, "user-agent": false, "x-trace": false, "content-type": false,
	} {
		if IsSecretKey(key) != secret {
			t.Errorf("IsSecretKey(%q) = %v", key, !secret)
		}
	}
}

func TestEventJSONMasksAndEscapes(t *testing.T) {
	md := maskMetadata(metadata.MD{"authorization": {"Bearer abc"}, "x-token-bin": {"\x00\x01"}, "trace-bin": {"\x00\x01"}, "x-note": {"a\u009bb"}})
	line, err := json.Marshal(Event{Kind: CallStart, Metadata: md, Method: "svc/M\u0085"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(line)
	for _, want := range []string{`"authorization":["(masked, 10 bytes)"]`, `"x-token-bin":["(masked, 2 bytes)"]`, `"trace-bin":["AAE="]`,
		`"x-note":["a\u009bb"]`, `"method":"svc/M\u0085"`} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %s", s, want)
		}
	}
	if strings.Contains(s, "\u009b") || strings.Contains(s, "\u0085") {
		t.Errorf("a C1 control character left raw: %q", s)
	}
	lines := MetadataLines(md, nil)
	for _, l := range lines {
		if l.Key == "x-token-bin" && l.Value != "(masked, 2 bytes)" {
			t.Errorf("a masked -bin value shows as %q", l.Value)
		}
	}
}
