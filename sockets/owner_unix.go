//go:build unix

package sockets

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"

	"golang.org/x/sys/unix"
)

// ownerCache looks up file owners, resolving each user and group name once
// and sharing one Owner among files with the same owner and mode.
type ownerCache struct {
	users  map[uint32]string
	groups map[uint32]string
	owners map[ownerKey]*Owner
}

type ownerKey struct {
	uid, gid uint32
	perm     fs.FileMode
}

func newOwnerCache() *ownerCache {
	return &ownerCache{users: make(map[uint32]string), groups: make(map[uint32]string), owners: make(map[ownerKey]*Owner)}
}

// fileStat is what discovery needs from a socket file's inode.
type fileStat struct {
	ok       bool
	uid, gid uint32
	perm     fs.FileMode
	id       fileID
}

// statSocketAt reads the file's owner, mode and identity without following
// a link, relative to the open directory dir when there is one (a shorter
// lookup for the kernel). It is safe to call concurrently.
func statSocketAt(dir *os.File, dirPath, name string) fileStat {
	var st unix.Stat_t
	var err error
	if dir != nil {
		err = unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	} else {
		err = unix.Lstat(dirPath+"/"+name, &st)
	}
	if err != nil {
		return fileStat{}
	}
	return fileStat{
		ok:   true,
		uid:  st.Uid,
		gid:  st.Gid,
		perm: fs.FileMode(st.Mode & 0o777),
		id:   fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)},
	}
}

// owner names the owner of a stat'ed file; nil when the stat failed (the
// file vanished).
func (c *ownerCache) owner(st fileStat) *Owner {
	if !st.ok {
		return nil
	}
	key := ownerKey{st.uid, st.gid, st.perm}
	if o, ok := c.owners[key]; ok {
		return o
	}
	o := &Owner{
		UID:           st.uid,
		GID:           st.gid,
		User:          c.userName(st.uid),
		Group:         c.groupName(st.gid),
		Mode:          fmt.Sprintf("%04o", uint32(st.perm)),
		WorldWritable: st.perm&0o002 != 0,
	}
	c.owners[key] = o
	return o
}

func (c *ownerCache) userName(uid uint32) string {
	if name, ok := c.users[uid]; ok {
		return name
	}
	name := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	c.users[uid] = name
	return name
}

func (c *ownerCache) groupName(gid uint32) string {
	if name, ok := c.groups[gid]; ok {
		return name
	}
	name := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(name); err == nil {
		name = g.Name
	}
	c.groups[gid] = name
	return name
}
