//go:build !unix

package history

// lockFile takes no lock where there is no flock: two sockscope processes
// appending at the same moment may then give two calls one ID.
func lockFile(string) (func(), error) { return func() {}, nil }
