package ui

import "time"

// defaultStreamKeep is how many stream messages a call keeps; older ones
// are dropped (and counted) so a stream that runs for hours stays bounded.
const defaultStreamKeep = 10000

// maxStreamBytes bounds the text a call keeps of its stream messages, so
// that a stream of large messages is bounded too; the newest message is
// kept whatever its size.
const maxStreamBytes = 64 << 20

// streamEntry is one message of a stream, received or sent.
type streamEntry struct {
	index int64 // 1-based position in the call's log, kept after older entries are dropped
	at    time.Time
	text  string // compact JSON, in full
	sent  bool   // sent by us on a client or bidi stream, not received
}

// streamLog is a ring buffer of the newest messages of a stream plus
// counters, so appending and reading a window cost the same whatever the
// stream's length. Entries never change once added: commands may read a
// copy of them on their own goroutines.
type streamLog struct {
	ring     []streamEntry
	keep     int
	maxBytes int
	start, n int // the oldest entry's place in ring, and how many are held
	bytes    int

	total          int64 // every message logged
	received, sent int64

	// The rates are counted by the clock, from each message's time, so
	// they follow the call whatever the view shows.
	receivedRate, sentRate rateWindow
}

// rateSlot is the tenth of a second a rateWindow counts in, and rateSlots
// how many make its second.
const (
	rateSlot  = 100 * time.Millisecond
	rateSlots = 10
)

// rateWindow counts messages per tenth of a second over the last second,
// in a fixed ring: what a rate costs does not grow with the stream.
type rateWindow struct {
	slot  [rateSlots]int64 // which tenth, since the epoch, each count is of
	count [rateSlots]int
}

func (w *rateWindow) add(at time.Time) {
	s := at.UnixNano() / int64(rateSlot)
	i := s % rateSlots
	if w.slot[i] != s {
		w.slot[i], w.count[i] = s, 0
	}
	w.count[i]++
}

// perSecond is how many messages came in the second up to now.
func (w *rateWindow) perSecond(now time.Time) int {
	s := now.UnixNano() / int64(rateSlot)
	n := 0
	for i, slot := range w.slot {
		if d := s - slot; d >= 0 && d < rateSlots {
			n += w.count[i]
		}
	}
	return n
}

func newStreamLog(keep int) *streamLog {
	if keep <= 0 {
		keep = defaultStreamKeep
	}
	return &streamLog{keep: keep, maxBytes: maxStreamBytes}
}

// add logs a received message.
func (l *streamLog) add(at time.Time, text string) {
	l.push(streamEntry{at: at, text: text})
	l.received++
	l.receivedRate.add(at)
}

// addSent logs a message we sent.
func (l *streamLog) addSent(at time.Time, text string) {
	l.push(streamEntry{at: at, text: text, sent: true})
	l.sent++
	l.sentRate.add(at)
}

func (l *streamLog) push(e streamEntry) {
	l.total++
	e.index = l.total
	if l.n == len(l.ring) {
		if len(l.ring) < l.keep {
			// The ring grows as messages come, so short streams cost little.
			grown := make([]streamEntry, min(l.keep, max(64, 2*len(l.ring))))
			for i := 0; i < l.n; i++ {
				grown[i] = l.at(i)
			}
			l.ring, l.start = grown, 0
		} else {
			l.dropOldest()
		}
	}
	l.ring[(l.start+l.n)%len(l.ring)] = e
	l.n++
	l.bytes += len(e.text)
	for l.bytes > l.maxBytes && l.n > 1 {
		l.dropOldest()
	}
}

func (l *streamLog) dropOldest() {
	l.bytes -= len(l.ring[l.start].text)
	l.ring[l.start] = streamEntry{}
	l.start = (l.start + 1) % len(l.ring)
	l.n--
}

// len is the number of entries held (at most keep).
func (l *streamLog) len() int { return l.n }

// at returns the i-th held entry, oldest first.
func (l *streamLog) at(i int) streamEntry {
	return l.ring[(l.start+i)%len(l.ring)]
}

// first is the index of the oldest entry held; total+1 when none is.
func (l *streamLog) first() int64 {
	if l.n == 0 {
		return l.total + 1
	}
	return l.at(0).index
}

// byIndex is the entry logged as index, if it is still held.
func (l *streamLog) byIndex(index int64) (streamEntry, bool) {
	i := index - l.first()
	if i < 0 || i >= int64(l.n) {
		return streamEntry{}, false
	}
	return l.at(int(i)), true
}

// since copies the entries held from index on, for a command to read.
func (l *streamLog) since(index int64) []streamEntry {
	from := max(0, index-l.first())
	out := make([]streamEntry, 0, max(0, int64(l.n)-from))
	for i := from; i < int64(l.n); i++ {
		out = append(out, l.at(int(i)))
	}
	return out
}

// rate is the messages received in the second up to now.
func (l *streamLog) rate(now time.Time) int { return l.receivedRate.perSecond(now) }

// sendRate is the messages sent in the second up to now.
func (l *streamLog) sendRate(now time.Time) int { return l.sentRate.perSecond(now) }
