//go:build !unix

package sockets

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ownerCache reports only the mode bits: there are no numeric owners here.
type ownerCache struct{}

func newOwnerCache() *ownerCache { return &ownerCache{} }

// fileStat is what discovery needs from a socket file.
type fileStat struct {
	ok   bool
	perm fs.FileMode
	id   fileID
}

func statSocketAt(_ *os.File, dirPath, name string) fileStat {
	fi, err := os.Lstat(filepath.Join(dirPath, name))
	if err != nil {
		return fileStat{}
	}
	return fileStat{ok: true, perm: fi.Mode().Perm()}
}

func (c *ownerCache) owner(st fileStat) *Owner {
	if !st.ok {
		return nil
	}
	return &Owner{Mode: fmt.Sprintf("%04o", uint32(st.perm))}
}

func (c *ownerCache) userName(uid uint32) string { return fmt.Sprint(uid) }

func (c *ownerCache) groupName(gid uint32) string { return fmt.Sprint(gid) }
