package boltkv

// stamp identifies a state of a file: which file (device and inode, where
// the platform gives them), its size and its modification time. Two stamps
// are equal only for the same file unchanged (up to the clock's
// resolution).
type stamp struct {
	dev, ino uint64
	size     int64
	mtime    int64 // nanoseconds
}

func (s stamp) zero() bool { return s == stamp{} }
