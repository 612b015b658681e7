package secret

import (
	"slices"
	"testing"
)

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"authorization": true, "Cookie": true, "x-api-key": true, "--token": true,
		"db_password": true, "client-secret": true, "x-trace": false, "content-type": false,
		"--socket": false, "user-agent": false,
		"Authorization": true, "proxy-authorization": true, "set-cookie": true, "x-auth-token": true,
		"x-credentials-bin": true, "containerd-namespace": false, "": false,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v", name, got)
		}
	}
}

func TestMaskArgs(t *testing.T) {
	in := []string{"agent", "--token", "TOPSECRET", "--password=hunter2", "-v", "--socket", "/run/a.sock", "--api-key", "-x"}
	want := []string{"agent", "--token", Mask, "--password=" + Mask, "-v", "--socket", "/run/a.sock", "--api-key", "-x"}
	if got := MaskArgs(in); !slices.Equal(got, want) {
		t.Errorf("MaskArgs = %q, want %q", got, want)
	}
	if in[2] != "TOPSECRET" {
		t.Error("MaskArgs changed its input")
	}
}
