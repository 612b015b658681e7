package client

import "testing"

func TestIsSecretHeader(t *testing.T) {
	for key, want := range map[string]bool{
		"authorization":        true,
		"Authorization":        true,
		"proxy-authorization":  true,
		"cookie":               true,
		"set-cookie":           true,
		"x-auth-token":         true,
		"x-api-key":            true,
		"client-secret":        true,
		"db-password":          true,
		"x-credentials-bin":    true,
		"x-trace":              false,
		"containerd-namespace": false,
		"user-agent":           false,
		"":                     false,
	} {
		if got := IsSecretHeader(key); got != want {
			t.Errorf("IsSecretHeader(%q) = %v, want %v", key, got, want)
		}
	}
}
