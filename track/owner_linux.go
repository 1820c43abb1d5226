//go:build linux

package track

import (
	"os"
	"strconv"
	"strings"
)

// processStart returns when process pid started, as "<boot id>/<ticks
// since boot>" from /proc, or "-" if it cannot be read.
func processStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "-"
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "-"
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 { // starttime is field 22 of the line, 20 after the name
		return "-"
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "-"
	}
	return strings.TrimSpace(string(boot)) + "/" + f[19]
}

const (
	processRunning = iota
	processGone
	processUnknown
)

// processState says whether process pid exists.
func processState(pid int) int {
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		return processRunning
	} else if os.IsNotExist(err) {
		return processGone
	}
	return processUnknown
}
