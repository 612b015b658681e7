package ui

import (
	"encoding/json"
	"errors"
	"io/fs"
	"strings"

	tea "charm.land/bubbletea/v2"

	"sockscope/collection"
)

// collectionItem is one saved request as the page lists it, its ${VAR}s
// expanded when it was read; err says which one nothing sets.
type collectionItem struct {
	name, method, address string
	resolved              collection.Resolved
	err                   error
}

// collectionListedMsg answers listCollectionCmd; missing says the file
// is not there yet, which is no error.
type collectionListedMsg struct {
	loadID  int
	items   []collectionItem
	missing bool
	err     error
}

// listCollectionCmd reads the collection file and expands each request
// for address (every request for ""), from its vars and the environment.
func listCollectionCmd(loadID int, path, address string) tea.Cmd {
	return func() tea.Msg {
		f, err := collection.Load(path)
		if err != nil {
			return collectionListedMsg{loadID: loadID, missing: errors.Is(err, fs.ErrNotExist), err: err}
		}
		var reqs []*collection.Request
		if address != "" {
			reqs = f.RequestsFor(address, nil)
		} else {
			for i := range f.Requests {
				reqs = append(reqs, &f.Requests[i])
			}
		}
		items := make([]collectionItem, 0, len(reqs))
		for _, r := range reqs {
			res, err := f.Resolve(r, nil, nil)
			if err != nil {
				res = asWritten(f, r, address)
			}
			items = append(items, collectionItem{name: r.Name.Raw, method: r.Method.Raw, address: res.Address, resolved: res, err: err})
		}
		return collectionListedMsg{loadID: loadID, items: items}
	}
}

// asWritten is a request whose ${VAR}s cannot all be expanded, as the
// file writes it, for the user to fill in: on address, or the address the
// file gives when that needs no variable ("" otherwise, and it cannot be
// loaded).
func asWritten(f *collection.File, r *collection.Request, address string) collection.Resolved {
	res := collection.Resolved{Address: address, Method: r.Method.Raw, Deadline: r.Deadline}
	if res.Address == "" {
		res.Address = r.Address.Raw
		if res.Address == "" {
			res.Address = f.Address.Raw
		}
		if strings.Contains(res.Address, "${") {
			res.Address = ""
		}
	}
	for _, h := range r.Headers {
		res.Headers = append(res.Headers, collection.HeaderLine{Key: h.Key, Value: h.Value.Raw})
	}
	for _, m := range r.Body.Messages {
		b, err := json.MarshalIndent(m.Value, "", "  ")
		if err != nil {
			b = []byte("{}")
		}
		res.Body = append(res.Body, string(b))
	}
	return res
}
