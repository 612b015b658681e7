//go:build !linux

package sockets

import (
	"io/fs"
	"os"
)

// readDirSocketsAndDirs lists the sockets and directories in dir:
// os.File.ReadDir without os.ReadDir's sort. The sockets go to pool to be
// statted.
func readDirSocketsAndDirs(dir string, pool *statPool) ([]dirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	all, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	var out []dirEntry
	for _, e := range all {
		if t := e.Type(); t&fs.ModeSocket != 0 || t.IsDir() {
			out = append(out, dirEntry{name: e.Name(), typ: t})
		}
	}
	pool.submit(dir, out)
	return out, nil
}
