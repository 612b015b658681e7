package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"sockscope/internal/owned"
)

// Default bounds of the history file: the newest calls are kept, this many
// at most and in at most this many bytes, whichever is reached first.
const (
	DefaultMaxEntries = 10_000
	DefaultMaxBytes   = 20 << 20
)

// maxLineBytes bounds one entry's line. An entry is kept well under it
// (requests, header values and the message are bounded); a longer line in
// the file was not written by Append and is skipped when read.
const maxLineBytes = 2 << 20

// Limits bound the history file; a zero field takes its default.
type Limits struct {
	MaxEntries int
	MaxBytes   int64
}

// Store is one history file. Its methods may be called from several
// goroutines and several processes at once: appends take a lock beside
// the file, reads see whole files, since trimming replaces the file by
// renaming.
type Store struct {
	path   string
	limits Limits
}

// ErrNotFound is returned (wrapped) by Find for an ID the history does not
// hold.
var ErrNotFound = errors.New("no such call in the history")

// Open returns the store at path; nothing is read or created until used.
func Open(path string, limits Limits) *Store {
	if limits.MaxEntries <= 0 {
		limits.MaxEntries = DefaultMaxEntries
	}
	if limits.MaxBytes <= 0 {
		limits.MaxBytes = DefaultMaxBytes
	}
	return &Store{path: path, limits: limits}
}

// Path is the history file's path.
func (s *Store) Path() string { return s.path }

// Append writes e as the newest entry and returns it with its ID. The
// directory must be a private directory of this user's and the file a
// private file (see internal/owned); both are created when missing, 0700
// and 0600. When the file would pass its limits, the oldest entries are
// dropped by writing the kept ones and e to a new file beside it and
// renaming it over the old, so e is never lost to trimming: if the new
// file cannot be made, e is appended to the old one and the error says
// the file was not trimmed. Secret-looking header values in e are masked
// whoever built it.
func (s *Store) Append(e Entry) (Entry, error) {
	dir := filepath.Dir(s.path)
	if err := owned.PrivateDir(dir); err != nil {
		return e, fmt.Errorf("history directory: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, lockName(s.path)))
	if err != nil {
		return e, fmt.Errorf("history lock: %w", err)
	}
	defer unlock()
	f, err := owned.OpenPrivateFile(s.path, os.O_RDWR|os.O_APPEND)
	if err != nil {
		return e, fmt.Errorf("history: %w", err)
	}
	defer f.Close()

	ids, err := readIDs(f)
	if err != nil {
		return e, fmt.Errorf("history %s: %w", s.path, err)
	}
	e.ID = ids.last + 1
	e.remask()
	line, err := encodeLine(e)
	if err != nil {
		return e, err
	}
	if ids.cut {
		line = append([]byte{'\n'}, line...)
	}
	if ids.count+1 > s.limits.MaxEntries || ids.size+int64(len(line)) > s.limits.MaxBytes {
		trimErr := s.trim(f, line)
		if trimErr == nil {
			return e, nil
		}
		if _, err := f.Write(line); err != nil {
			return e, fmt.Errorf("history %s: %w", s.path, err)
		}
		return e, fmt.Errorf("history %s kept this call but was not trimmed: %w", s.path, trimErr)
	}
	if _, err := f.Write(line); err != nil {
		return e, fmt.Errorf("history %s: %w", s.path, err)
	}
	return e, nil
}

func lockName(path string) string { return "." + filepath.Base(path) + ".lock" }

// encodeLine is e's line. An entry that is still too long (many long
// headers) loses its requests and then its metadata values rather than
// going unrecorded.
func encodeLine(e Entry) ([]byte, error) {
	b, err := MarshalEntry(e)
	if err == nil && len(b) >= maxLineBytes/2 {
		e.RequestsOmitted += len(e.Requests)
		e.Requests = []json.RawMessage{}
		for k, values := range e.Metadata {
			for i, v := range values {
				if keptValue(v) {
					values[i] = fmt.Sprintf("%s%d bytes>", omittedPrefix, len(v))
				}
			}
			e.Metadata[k] = values
		}
		b, err = MarshalEntry(e)
	}
	if err != nil {
		return nil, fmt.Errorf("history entry: %w", err)
	}
	return append(b, '\n'), nil
}

// MarshalEntry is e as one line of JSON without its newline, <masked>
// written as it reads rather than as \u003c escapes, so the file and
// --history --json can be searched for it.
func MarshalEntry(e Entry) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// fileIDs are what Append needs to know of the file: its size, how many
// entries it holds and the newest ID.
type fileIDs struct {
	size  int64
	count int
	last  int64
	// cut says the last line has no newline (a write cut short), which
	// the next line must not be glued to.
	cut bool
}

// readIDs reads the first and the last line: IDs are consecutive, so they
// give the count without reading the whole file. A file whose edges do not
// parse (edited, or cut by a crash) is read whole.
func readIDs(f *os.File) (fileIDs, error) {
	fi, err := f.Stat()
	if err != nil {
		return fileIDs{}, err
	}
	ids := fileIDs{size: fi.Size()}
	if ids.size == 0 {
		return ids, nil
	}
	end := make([]byte, 1)
	if _, err := f.ReadAt(end, ids.size-1); err != nil {
		return ids, err
	}
	ids.cut = end[0] != '\n'
	first, errFirst := firstID(f)
	last, errLast := lastID(f, ids.size)
	if errFirst == nil && errLast == nil && last >= first {
		ids.count, ids.last = int(last-first+1), last
		return ids, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ids, err
	}
	err = eachLine(f, func(line []byte) {
		if id, ok := lineID(line); ok {
			ids.count++
			ids.last = max(ids.last, id)
		}
	})
	return ids, err
}

func firstID(f *os.File) (int64, error) {
	// An entry is usually a few hundred bytes and the loop below takes a
	// longer one: a larger buffer is only memory to clear and a larger
	// read on every recorded call's path.
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, maxLineBytes), 4<<10)
	line, err := r.ReadSlice('\n')
	for errors.Is(err, bufio.ErrBufferFull) {
		var more []byte
		more, err = r.ReadSlice('\n')
		line = append(append([]byte(nil), line...), more...)
	}
	if err != nil && err != io.EOF {
		return 0, err
	}
	if id, ok := lineID(line); ok {
		return id, nil
	}
	return 0, errors.New("first line is not an entry")
}

// lastID reads back from the end for the start of the last line.
func lastID(f *os.File, size int64) (int64, error) {
	for chunk := int64(4 << 10); ; chunk *= 4 {
		start := max(size-chunk, 0)
		buf := make([]byte, size-start)
		if _, err := f.ReadAt(buf, start); err != nil && err != io.EOF {
			return 0, err
		}
		body := bytes.TrimRight(buf, "\n")
		i := bytes.LastIndexByte(body, '\n')
		if i >= 0 || start == 0 {
			if id, ok := lineID(body[i+1:]); ok {
				return id, nil
			}
			return 0, errors.New("last line is not an entry")
		}
		if chunk > maxLineBytes {
			return 0, errors.New("last line is too long")
		}
	}
}

func lineID(line []byte) (int64, bool) {
	if id, ok := writtenID(line); ok {
		return id, true
	}
	var head struct {
		ID int64 `json:"id"`
	}
	if json.Unmarshal(line, &head) != nil || head.ID <= 0 {
		return 0, false
	}
	return head.ID, true
}

// writtenID reads the ID of a line as MarshalEntry writes it, `{"id":N,`
// first and `}` last, without decoding the rest: finding the next ID is
// on every recorded call's path. Any other line is left to json.Unmarshal.
func writtenID(line []byte) (int64, bool) {
	line = bytes.TrimRight(line, "\r\n")
	rest, ok := bytes.CutPrefix(line, []byte(`{"id":`))
	if !ok || !bytes.HasSuffix(rest, []byte("}")) {
		return 0, false
	}
	digits, _, ok := bytes.Cut(rest, []byte(","))
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(string(digits), 10, 64)
	return id, err == nil && id > 0
}

// eachLine calls fn with every line of r, without its newline; a line
// longer than maxLineBytes is skipped.
func eachLine(r io.Reader, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if !tooLong {
				long = append(long, chunk...)
				if len(long) > maxLineBytes {
					tooLong, long = true, nil
				}
			}
			continue
		case err != nil && err != io.EOF:
			return err
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
		}
		if !tooLong {
			if line = bytes.TrimSuffix(line, []byte("\n")); len(bytes.TrimSpace(line)) > 0 {
				fn(line)
			}
		}
		long, tooLong = nil, false
		if err == io.EOF {
			return nil
		}
	}
}

// trim replaces the file by its newest lines and line, keeping a tenth
// less than the limits allow so that the next calls append rather than
// each rewriting the whole file.
func (s *Store) trim(f *os.File, line []byte) error {
	line = bytes.TrimLeft(line, "\n")
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var lines [][]byte
	if err := eachLine(f, func(l []byte) {
		if _, ok := lineID(l); ok {
			lines = append(lines, append([]byte(nil), l...))
		}
	}); err != nil {
		return err
	}
	keepEntries := max(s.limits.MaxEntries-s.limits.MaxEntries/10, 1) - 1
	keepBytes := s.limits.MaxBytes - s.limits.MaxBytes/10 - int64(len(line))
	first := len(lines)
	var bytesKept int64
	for first > 0 && len(lines)-first < keepEntries {
		n := int64(len(lines[first-1]) + 1)
		if bytesKept+n > keepBytes {
			break
		}
		bytesKept += n
		first--
	}

	tmp, err := os.CreateTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 64<<10)
	for _, l := range lines[first:] {
		w.Write(l)
		w.WriteByte('\n')
	}
	w.Write(line)
	err = w.Flush()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}
