package main

import (
	"bufio"
	"io"
	"os"
	"strings"
)

// requestData opens the -d source without reading it, so streaming calls can
// send each message as soon as it is typed.
func (env *runEnv) requestData() (io.Reader, func(), error) {
	o := env.opts
	switch {
	case !o.dataSet:
		return strings.NewReader(""), func() {}, nil
	case o.data == "@" || o.data == "@-":
		return env.stdin, func() {}, nil
	case strings.HasPrefix(o.data, "@"):
		f, err := os.Open(o.data[1:])
		if err != nil {
			return nil, nil, usageError("-d %s: %v", o.data, err)
		}
		return bufio.NewReader(f), func() { f.Close() }, nil
	default:
		return strings.NewReader(o.data), func() {}, nil
	}
}
