package tap

// maxQueuedEventBytes bounds the events waiting for the consumer, counted
// by the messages they carry: a consumer slower than the traffic costs
// the decoding of busy connections, never memory without end.
const maxQueuedEventBytes = 32 << 20

type queuedEvent struct {
	ev     Event
	weight int64
}

func eventWeight(ev Event) int64 {
	return min(int64(len(ev.JSON)+len(ev.Raw)+len(ev.Note)+512), maxQueuedEventBytes)
}

// emit queues ev for the consumer, waiting while too much is queued,
// until Stop gives up on the consumer.
func (t *Tap) emit(ev Event) {
	w := eventWeight(ev)
	if t.queued.Acquire(t.discardCtx, w) != nil {
		t.dropped.Add(1)
		return
	}
	select {
	case t.queue <- queuedEvent{ev, w}:
	case <-t.discard:
		t.queued.Release(w)
		t.dropped.Add(1)
	}
}

// pump hands the queued events to the consumer, one at a time, and closes
// Events after the last.
func (t *Tap) pump() {
	defer close(t.pumped)
	defer close(t.events)
	for q := range t.queue {
		select {
		case t.events <- q.ev:
		case <-t.discard:
			t.dropped.Add(1)
		}
		t.queued.Release(q.weight)
	}
}

// giveUpOnConsumer ends every wait for the consumer; what it has not
// taken is dropped and counted.
func (t *Tap) giveUpOnConsumer() {
	t.cancel()
	t.discardOnce.Do(func() {
		close(t.discard)
		t.stopWaiting()
	})
}

// Receive waits for the next event and takes up to max-1 more that are
// ready, so that a frontend handles a busy tap's events in batches (one
// screen update for many) rather than one wake-up each. open is false once
// Events is closed and drained.
func Receive(events <-chan Event, max int) (batch []Event, open bool) {
	ev, ok := <-events
	if !ok {
		return nil, false
	}
	batch = append(batch, ev)
	for len(batch) < max {
		select {
		case ev, ok := <-events:
			if !ok {
				return batch, true
			}
			batch = append(batch, ev)
		default:
			return batch, true
		}
	}
	return batch, true
}
