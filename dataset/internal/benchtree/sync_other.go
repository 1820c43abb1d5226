//go:build !unix || aix

package benchtree

// Sync does nothing where the syscall package has no sync(2) (aix).
func Sync() error { return nil }
