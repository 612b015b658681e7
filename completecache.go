package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sockscope/client"
	"sockscope/internal/owned"
)

// completionCacheDir is $XDG_CACHE_HOME/sockscope/completion (or the
// platform's cache directory), both levels checked as private directories
// of this user's: a cache another user could write to would put their
// words into this user's command lines.
func completionCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(base, "sockscope")
	if err := owned.PrivateDir(dir); err != nil {
		return "", err
	}
	dir = filepath.Join(dir, "completion")
	if err := owned.PrivateDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// completionCacheKey names the cache entry of the line's schema source:
// the address and, for a socket file, the identity of the socket itself
// (a restarted server makes a new one), and the schema flags with each
// file's size and modification time. Header values, which may be
// credentials, are no part of it; the entry holds names only. ok is false
// when the source cannot be keyed (an address that does not parse, a file
// that cannot be read), and nothing is cached then.
func completionCacheKey(o *options) (key string, ok bool) {
	h := sha256.New()
	fmt.Fprint(h, "sockscope completion names 1\x00")
	if o.address != "" {
		t, err := client.ParseAddress(o.address)
		if err != nil {
			return "", false
		}
		fmt.Fprintf(h, "%s\x00%s\x00%t\x00", t.Network, t.Address, t.Abstract)
		if t.Network == "unix" && !t.Abstract {
			abs, err := filepath.Abs(t.Address)
			if err != nil {
				return "", false
			}
			fi, err := os.Stat(abs)
			if err != nil {
				return "", false
			}
			fmt.Fprintf(h, "%s\x00%s\x00%d\x00", abs, fileIdentity(fi), fi.ModTime().UnixNano())
		}
	}
	for _, group := range [][]string{o.protoFiles, o.protosets} {
		for _, f := range group {
			fi, err := os.Stat(f)
			if err != nil {
				return "", false
			}
			abs, _ := filepath.Abs(f)
			fmt.Fprintf(h, "file\x00%s\x00%d\x00%d\x00", abs, fi.Size(), fi.ModTime().UnixNano())
		}
		fmt.Fprint(h, "\x01")
	}
	for _, dir := range o.importPaths {
		abs, _ := filepath.Abs(dir)
		fmt.Fprintf(h, "import\x00%s\x00", abs)
	}
	fmt.Fprintf(h, "schema\x00%s\x00authority\x00%s\x00", o.schema, o.authority)
	return hex.EncodeToString(h.Sum(nil)[:16]), true
}

// readNameCache is the cached entry for key and how old it is.
func readNameCache(key string, keyed bool) (names schemaNameList, age time.Duration, ok bool) {
	if !keyed {
		return names, 0, false
	}
	dir, err := completionCacheDir()
	if err != nil {
		return names, 0, false
	}
	path := filepath.Join(dir, key+".json")
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return names, 0, false
	}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &names) != nil {
		return schemaNameList{}, 0, false
	}
	return names, time.Since(fi.ModTime()), true
}

// writeNameCache replaces key's entry, whole or not at all: a completion
// reading it meanwhile sees the old entry or the new one.
func writeNameCache(key string, keyed bool, names schemaNameList) {
	if !keyed {
		return
	}
	dir, err := completionCacheDir()
	if err != nil {
		return
	}
	b, err := json.Marshal(names)
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, "names-*.tmp")
	if err != nil {
		return
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, key+".json"))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}
