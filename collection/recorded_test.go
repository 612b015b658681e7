package collection

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDraftsFromRecorded(t *testing.T) {
	body := func(s string) []json.RawMessage { return []json.RawMessage{json.RawMessage(s)} }
	calls := []Recorded{
		{Method: "sample.v1.Echo/Echo", Protocol: "grpc", RequestCount: 1, ResponseCount: 1, OK: true, Requests: body(`{"message":"a"}`),
			Metadata: map[string][]string{"authorization": {"(masked, 13 bytes)"}, "x-trace": {"7"}, "content-type": {"application/grpc"},
				"user-agent": {"grpc-go"}, "grpc-timeout": {"1S"}, "x-id-bin": {"\x00\x01"}, "X-Api-Key": {"(masked, 3 bytes)"}}},
		{Method: "sample.v1.Echo/Echo", Protocol: "grpc", RequestCount: 1, ResponseCount: 1, OK: true, Requests: body(`{"message":"b"}`)},
		{Method: "sample.v1.Echo/Count", Protocol: "grpc", RequestCount: 1, ResponseCount: 3, OK: true, Requests: body(`{"count":3}`)},
		{Method: "sample.v1.Echo/Fail", Protocol: "grpc", RequestCount: 1, ResponseCount: 0, OK: false, Requests: body(`{}`)},
		{Method: "containerd.task.v2.Task/State", Protocol: "ttrpc", RequestCount: 1, ResponseCount: 1, OK: true, Requests: body(`{}`)},
		{Method: "grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Protocol: "grpc", RequestCount: 1, ResponseCount: 1, OK: true, Requests: body(`{}`)},
		{Method: "x.Y/Undecoded", Protocol: "grpc", RequestCount: 1, ResponseCount: 1, OK: true},
	}
	taken := func(name string) bool { return name == "Echo-2" }
	drafts, skipped := DraftsFromRecorded(calls, "/run/s.sock", taken)
	if len(drafts) != 2 || drafts[0].Name != "Echo" || drafts[1].Name != "Echo-3" {
		t.Fatalf("drafts %+v", drafts)
	}
	var headers []string
	for _, h := range drafts[0].Headers {
		headers = append(headers, h.Key+"="+h.Value)
	}
	if got := strings.Join(headers, " "); got != "authorization=${AUTHORIZATION} x-api-key=${X_API_KEY} x-trace=7" {
		t.Errorf("headers %s", got)
	}
	if len(skipped) != 5 {
		t.Errorf("skipped %q, want a sentence for each of 5 kinds", skipped)
	}

	// Saved, the drafts load back; saving again names them anew.
	path := filepath.Join(t.TempDir(), "c.yaml")
	for range 2 {
		if _, _, err := SaveRecorded(path, "/run/s.sock", calls[:2]); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range f.Requests {
		names = append(names, r.Name.Raw)
	}
	if strings.Join(names, " ") != "Echo Echo-2 Echo-3 Echo-4" {
		t.Errorf("names %v", names)
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), "masked") {
		t.Errorf("a masked value was saved:\n%s", b)
	}
}

func TestVarName(t *testing.T) {
	for key, want := range map[string]string{"authorization": "AUTHORIZATION", "x-api-key": "X_API_KEY", "1token": "H_1TOKEN"} {
		if got := VarName(key); got != want {
			t.Errorf("VarName(%q) = %q, want %q", key, got, want)
		}
	}
}
