// Package secret decides which names look like they hold a credential —
// metadata keys, command-line flags — so that every place that writes or
// shows them (history, copied command lines, the scan's process command
// lines, the tap) masks the same ones.
package secret

import "strings"

// Mask is what a masked value is shown as.
const Mask = "<masked>"

// secretWords are what a name holds when its value is likely a credential:
// authorization, cookie, token, secret, password and key, and the
// spellings that carry the same values (proxy-authorization, set-cookie,
// x-api-key, passwd, credential).
var secretWords = []string{"authorization", "cookie", "token", "secret", "password", "passwd", "key", "credential"}

// IsSecretName reports whether a header or flag named name looks like it
// holds a credential, so that its value is never written to disk, into a
// copied command line or onto a screen that shows other processes' in the
// clear. Case and leading dashes do not matter. The match is generous:
// masking a harmless value costs a retype, while writing a credential down
// cannot be undone.
func IsSecretName(name string) bool {
	n := strings.ToLower(strings.TrimLeft(name, "-"))
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// MaskArgs returns args with the value of every secret-looking flag masked:
// "--token X" becomes "--token <masked>", "--password=X" becomes
// "--password=<masked>". args itself is not changed.
func MaskArgs(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		if name, _, ok := strings.Cut(a, "="); ok {
			if IsSecretName(name) {
				out[i] = name + "=" + Mask
			}
			continue
		}
		if IsSecretName(a) && i+1 < len(out) && !strings.HasPrefix(out[i+1], "-") {
			out[i+1] = Mask
			i++
		}
	}
	return out
}
