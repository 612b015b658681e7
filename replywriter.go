package main

import (
	"bufio"
	"fmt"
	"io"
	"sync"
	"time"
)

// replyWriter buffers replies but flushes within flushDelay, so a fast stream
// costs few writes while a slow one still shows each reply as it arrives.
type replyWriter struct {
	mu        sync.Mutex
	w         *bufio.Writer
	scheduled bool
	closed    bool
	err       error
}

const flushDelay = 20 * time.Millisecond

func newReplyWriter(w io.Writer) *replyWriter {
	return &replyWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (r *replyWriter) WriteMessage(b []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.w.Write(b)
	if err := r.w.WriteByte('\n'); err != nil {
		r.err = fmt.Errorf("write reply: %w", err)
		return r.err
	}
	if !r.scheduled {
		r.scheduled = true
		time.AfterFunc(flushDelay, r.flush)
	}
	return nil
}

func (r *replyWriter) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scheduled = false
	if err := r.w.Flush(); err != nil && r.err == nil {
		r.err = fmt.Errorf("write reply: %w", err)
	}
}

func (r *replyWriter) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	r.w.Flush()
}
