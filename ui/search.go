package ui

import (
	"strings"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
)

// maxMatches bounds the matches a search keeps to move between; all are
// counted.
const maxMatches = 100000

// searchDoneMsg answers searchCmd; id tells the search it answers.
type searchDoneMsg struct {
	id     uint64
	result searchResult
}

// searchCmd finds query in d off the update loop, until stop is set by
// the next search. A query without capitals ignores the case of ASCII
// letters (as vim's smartcase does); one with capitals must match exactly.
func searchCmd(id uint64, d *document, query string, stop *atomic.Bool) tea.Cmd {
	return func() tea.Msg {
		return searchDoneMsg{id: id, result: searchText(d.text, query, stop)}
	}
}

// searchStride is how much text a search reads between two looks at its
// stop flag.
const searchStride = 1 << 20

func searchText(text, query string, stop *atomic.Bool) searchResult {
	res := searchResult{query: query}
	if query == "" {
		return res
	}
	fold := foldsCase(query)
	checked := 0
	for off := 0; ; {
		if off-checked >= searchStride {
			if stop != nil && stop.Load() {
				return res
			}
			checked = off
		}
		i := indexText(text[off:], query, fold)
		if i < 0 {
			return res
		}
		if len(res.matches) < maxMatches {
			res.matches = append(res.matches, off+i)
		}
		res.total++
		off += i + len(query)
	}
}

// foldsCase says a query ignores case: it has no capital letter.
func foldsCase(query string) bool { return strings.ToLower(query) == query }

// indexText is the first offset of query in s, ignoring the case of ASCII
// letters when fold is set, without copying s: every match is at the
// same offset in the text shown.
func indexText(s, query string, fold bool) int {
	if !fold {
		return strings.Index(s, query)
	}
	first := query[0]
	find := func(s string) int { return strings.IndexByte(s, first) }
	if first >= 'a' && first <= 'z' {
		both := string([]byte{first, first - 'a' + 'A'})
		find = func(s string) int { return strings.IndexAny(s, both) }
	}
	for off := 0; ; {
		i := find(s[off:])
		if i < 0 || off+i+len(query) > len(s) {
			return -1
		}
		if equalFoldASCII(s[off+i:off+i+len(query)], query) {
			return off + i
		}
		off += i + 1
	}
}

// equalFoldASCII compares s to the lower-case query, ASCII letters in
// either case.
func equalFoldASCII(s, query string) bool {
	for i := 0; i < len(query); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != query[i] {
			return false
		}
	}
	return true
}

// containsText says whether text holds query, case as searchText treats it.
func containsText(text, query string) bool {
	return query == "" || indexText(text, query, foldsCase(query)) >= 0
}
