package history

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the history file's name in its directory.
const FileName = "history.jsonl"

// DefaultPath is $XDG_STATE_HOME/sockscope/history.jsonl, or
// ~/.local/state/sockscope/history.jsonl when XDG_STATE_HOME is unset or
// not absolute (the XDG rule: a relative one is ignored). getenv is
// os.Getenv in use, a map in tests.
func DefaultPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "sockscope", FileName), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("history: no XDG_STATE_HOME and no home directory: %w", err)
		}
	}
	if !filepath.IsAbs(home) {
		return "", errors.New("history: no XDG_STATE_HOME and the home directory is not an absolute path")
	}
	return filepath.Join(home, ".local", "state", "sockscope", FileName), nil
}

// EnvVar turns history off when set to off (or 0, false, no).
const EnvVar = "SOCKSCOPE_HISTORY"

// Disabled reports whether the environment turns history off.
func Disabled(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv(EnvVar))) {
	case "off", "0", "false", "no":
		return true
	}
	return false
}
