package tap

import (
	"os"
	"runtime"

	"sockscope/session"
)

const isLinux = runtime.GOOS == "linux"

func filepathStat(path string) (os.FileInfo, error) { return os.Lstat(path) }

func sessionConfig(address string) session.Config { return session.Config{Address: address} }
