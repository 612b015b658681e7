//go:build !linux

package tap

import (
	"errors"
	"fmt"
)

// errNoExchange is why interpose mode needs Linux: putting the tap in place
// without a moment when clients find no socket takes renameat2's
// RENAME_EXCHANGE.
var errNoExchange = errors.New("interpose mode needs Linux (an atomic swap of two names, renameat2's RENAME_EXCHANGE)")

func interposeSocket(path string) (*socketListener, interposeRecord, error) {
	return nil, interposeRecord{}, fmt.Errorf("interpose on %s: %w", path, errNoExchange)
}

func exchange(string, string) error { return errNoExchange }

func idOf(string) (fileID, error) { return fileID{}, errors.ErrUnsupported }
