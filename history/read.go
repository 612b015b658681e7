package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"sockscope/internal/owned"
)

// Load reads every entry, newest first. Lines that are not entries (a
// line cut by a crash, an edit) are skipped and counted. A missing file is
// an empty history. The file must be a private file of this user's.
func (s *Store) Load() (entries []Entry, skipped int, err error) {
	f, err := s.openForReading()
	if f == nil || err != nil {
		return nil, 0, err
	}
	defer f.Close()
	err = eachLine(f, func(line []byte) {
		var e Entry
		if json.Unmarshal(line, &e) != nil || e.ID <= 0 {
			skipped++
			return
		}
		entries = append(entries, e)
	})
	if err != nil {
		return nil, skipped, fmt.Errorf("history %s: %w", s.path, err)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].ID > entries[j].ID })
	return entries, skipped, nil
}

// openForReading opens the file after the checks Append makes, so a
// planted file is not read either; nil without error when there is none.
func (s *Store) openForReading() (*os.File, error) {
	if _, err := os.Lstat(s.path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	f, err := owned.OpenPrivateFile(s.path, os.O_RDONLY)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return f, nil
}

// Find returns the entry with id, or an error wrapping ErrNotFound.
func (s *Store) Find(id int64) (Entry, error) {
	entries, _, err := s.Load()
	if err != nil {
		return Entry{}, err
	}
	for _, e := range entries {
		if e.ID == id {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("call %d: %w (%s)", id, ErrNotFound, s.path)
}

// ForAddress returns the entries of calls to addr (compared as
// CanonicalAddress makes them), newest first: the TUI's history of the
// open socket.
func (s *Store) ForAddress(addr string) ([]Entry, error) {
	entries, _, err := s.Load()
	if err != nil {
		return nil, err
	}
	want := CanonicalAddress(addr)
	var out []Entry
	for _, e := range entries {
		if e.Address == want {
			out = append(out, e)
		}
	}
	return out, nil
}

// Filter returns the entries that hold every word (see Entry.Matches), in
// their order.
func Filter(entries []Entry, words []string) []Entry {
	return NewIndex(entries).Filter(words)
}

// Index is entries with their search text prepared once, for a filter
// that runs again at every key the user types.
type Index struct {
	entries []Entry
	hay     []string
}

// NewIndex prepares entries for Filter.
func NewIndex(entries []Entry) *Index {
	ix := &Index{entries: entries, hay: make([]string, len(entries))}
	for i, e := range entries {
		ix.hay[i] = e.searchText()
	}
	return ix
}

// Filter returns the entries that hold every word, in their order; no
// words return them all.
func (ix *Index) Filter(words []string) []Entry {
	if len(words) == 0 {
		return ix.entries
	}
	lower := make([]string, len(words))
	for i, w := range words {
		lower[i] = strings.ToLower(w)
	}
	var out []Entry
	for i, hay := range ix.hay {
		if containsAll(hay, lower) {
			out = append(out, ix.entries[i])
		}
	}
	return out
}

// Matches reports whether every word appears, ignoring case, in the
// entry's ID, address, method, status code or requests: what --history
// WORDS and the TUI's filter search.
func (e Entry) Matches(words []string) bool {
	lower := make([]string, len(words))
	for i, w := range words {
		lower[i] = strings.ToLower(w)
	}
	return containsAll(e.searchText(), lower)
}

func (e Entry) searchText() string {
	var text strings.Builder
	fmt.Fprintf(&text, "%d\n%s\n%s\n%s\n", e.ID, e.Address, e.Method, e.Code)
	for _, r := range e.Requests {
		text.Write(r)
		text.WriteByte('\n')
	}
	return strings.ToLower(text.String())
}

func containsAll(hay string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
