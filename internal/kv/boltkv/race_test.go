//go:build race

package boltkv_test

const raceEnabled = true
