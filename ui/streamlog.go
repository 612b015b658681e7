package ui

import "time"

// defaultStreamKeep is how many stream messages the response pane keeps; older
// ones are dropped (and counted) so a stream that runs for hours stays bounded.
const defaultStreamKeep = 10000

// streamEntry is one received message as the response pane shows it.
type streamEntry struct {
	index int64 // 1-based position in the stream, kept after older entries are dropped
	at    time.Time
	text  string // compact JSON
}

// streamLog is a ring buffer of the newest messages of a stream plus counters,
// so appending and reading a window cost the same whatever the stream's length.
type streamLog struct {
	entries []streamEntry
	keep    int
	start   int // position of the oldest entry in entries once the ring is full
	total   int64

	// Rate is counted per whole second: messages in the last complete second.
	bucketStart time.Time
	bucketCount int
	lastRate    int
}

func newStreamLog(keep int) *streamLog {
	if keep <= 0 {
		keep = defaultStreamKeep
	}
	return &streamLog{entries: make([]streamEntry, 0, min(keep, 1024)), keep: keep}
}

// add appends a message; the slice grows to keep lazily so short streams cost little.
func (l *streamLog) add(at time.Time, text string) {
	l.total++
	e := streamEntry{index: l.total, at: at, text: text}
	if len(l.entries) < l.keep {
		l.entries = append(l.entries, e)
	} else {
		l.entries[l.start] = e
		l.start = (l.start + 1) % len(l.entries)
	}
	switch {
	case l.bucketStart.IsZero():
		l.bucketStart, l.bucketCount = at, 1
	case at.Sub(l.bucketStart) < time.Second:
		l.bucketCount++
	default:
		if at.Sub(l.bucketStart) < 2*time.Second {
			l.lastRate = l.bucketCount
		} else {
			l.lastRate = 0
		}
		l.bucketStart, l.bucketCount = at, 1
	}
}

// len is the number of entries held (at most keep).
func (l *streamLog) len() int { return len(l.entries) }

// at returns the i-th held entry, oldest first.
func (l *streamLog) at(i int) streamEntry {
	return l.entries[(l.start+i)%len(l.entries)]
}

// rate is messages per second: the last complete second, or the current one
// while the stream is younger than a second.
func (l *streamLog) rate(now time.Time) int {
	if l.bucketStart.IsZero() {
		return 0
	}
	if now.Sub(l.bucketStart) >= 2*time.Second {
		return 0
	}
	if l.lastRate == 0 && now.Sub(l.bucketStart) < time.Second {
		return l.bucketCount
	}
	return l.lastRate
}
