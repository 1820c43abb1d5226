//go:build !linux

package dirblob

import "errors"

const haveSyncFS = false

func syncFS(string) error { return errors.ErrUnsupported }

// Unnamed objects (O_TMPFILE) are Linux only; elsewhere a commit writes
// named temporary files and renames them.
const (
	unnamedUnknown = iota
	unnamedEmptyPath
	unnamedProc
	unnamedNone
)

func openDirFd(string) (int, error)           { return -1, errors.ErrUnsupported }
func closeFd(int) error                       { return errors.ErrUnsupported }
func openUnnamed(int) (int, error)            { return -1, errors.ErrUnsupported }
func linkUnnamed(int, int, int, string) error { return errors.ErrUnsupported }
func probeUnnamed(int) int                    { return unnamedNone }
func writeFd(int, []byte) error               { return errors.ErrUnsupported }
func fsyncFd(int) error                       { return errors.ErrUnsupported }
func existsAt(int, string) (bool, error)      { return false, errors.ErrUnsupported }
func mkdirAt(int, string) (bool, error)       { return false, errors.ErrUnsupported }
func renameAt(string, int, string) error      { return errors.ErrUnsupported }
func isNotExist(error) bool                   { return false }
func isExist(error) bool                      { return false }

const haveAt = false

func openFileLimit() int { return 0 }
