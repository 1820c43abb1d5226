//go:build unix

package webtest

import (
	"os/exec"
	"syscall"
)

// killGroup makes cmd's cancel end its whole process group: Chromium
// starts helper processes, and a hung browser must take them along.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
