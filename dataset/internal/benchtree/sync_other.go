//go:build !unix

package benchtree

// Sync does nothing where sync(2) is missing.
func Sync() error { return nil }
