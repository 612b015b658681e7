package tap

import (
	"os"
	"runtime"
)

const isLinux = runtime.GOOS == "linux"

func filepathStat(path string) (os.FileInfo, error) { return os.Lstat(path) }
