//go:build !unix

package webtest

import "os/exec"

// killGroup leaves cmd's cancel as it is: it kills the browser only.
func killGroup(cmd *exec.Cmd) {}
