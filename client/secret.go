package client

import "strings"

// secretWords are what a header name holds when its value is likely a
// credential: the list (authorization, cookie, token, secret,
// password, key) and the spellings that carry the same values
// (proxy-authorization, set-cookie, x-api-key, credential).
var secretWords = []string{"authorization", "cookie", "token", "secret", "password", "key", "credential"}

// IsSecretHeader reports whether a header named key may carry a secret, so
// that its value is never written to disk or into a copied command line in
// the clear. It is the one rule for that: history, collections and every
// frontend ask it. The match is on the lower-cased name and is generous,
// since masking a harmless value costs a retype while writing a credential
// down cannot be undone.
func IsSecretHeader(key string) bool {
	key = strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}
