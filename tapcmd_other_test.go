//go:build !linux

package main

import "testing"

func interposeTests(t *testing.T, _ string) {
	t.Skip("interpose mode needs Linux")
}
