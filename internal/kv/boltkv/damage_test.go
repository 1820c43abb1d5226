package boltkv_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestDamage truncates a store at 40 sizes, empties it and flips bits in
// it, and opens, reads and writes each damaged copy in a child process:
// none may crash, and every failure must be the Corrupt sentinel.
func TestDamage(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: many child processes")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	makeDamageSource(t, src)
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	type damaged struct {
		name string
		data []byte
	}
	var cases []damaged
	cases = append(cases, damaged{"empty", nil})
	for i := range 40 {
		n := len(orig) * i / 40
		if i > 0 {
			n += 1 + i*37 // not only page boundaries
		}
		cases = append(cases, damaged{fmt.Sprintf("truncated-%d", n), orig[:min(n, len(orig)-1)]})
	}
	rng := rand.New(rand.NewPCG(13, 13))
	flip := func(name string, pos int, bit uint) {
		d := bytes.Clone(orig)
		d[pos] ^= 1 << bit
		cases = append(cases, damaged{fmt.Sprintf("%s-byte%d-bit%d", name, pos, bit), d})
	}
	for range 60 {
		flip("flip", rng.IntN(len(orig)), uint(rng.IntN(8)))
	}
	// Both meta pages at once, and each in its page number fields.
	d := bytes.Clone(orig)
	d[16] ^= 1
	d[4096+16] ^= 1
	cases = append(cases, damaged{"both-metas", d})
	for _, off := range []int{32, 48, 56, 4096 + 32, 4096 + 56} {
		flip("meta", off, 0)
	}
	// Every branch page's child pointers: low bits, so they point at
	// other pages of the file (cycles among them).
	branches := 0
	for pg := 2; pg*4096 < len(orig) && branches < 12; pg++ {
		p := orig[pg*4096:]
		if p[8]&0x01 == 0 { // not a branch page
			continue
		}
		branches++
		count := int(p[10]) | int(p[11])<<8
		for e := 0; e < count && e < 3; e++ {
			for _, bit := range []uint{0, 1, 2} {
				flip(fmt.Sprintf("branch%d-elem%d", pg, e), pg*4096+16+16*e+8, bit)
			}
		}
	}
	if raceEnabled {
		// The race detector makes each child several times slower: keep
		// every fifth case (go test without -race runs them all).
		var some []damaged
		for i := 0; i < len(cases); i += 5 {
			some = append(some, cases[i])
		}
		cases = some
	}
	t.Logf("%d damaged copies of a %d-byte store", len(cases), len(orig))

	var mu sync.Mutex
	results := map[int]int{}
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, c := range cases {
		path := filepath.Join(dir, fmt.Sprintf("case-%03d.db", i))
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cmd := child(t, "BOLTKV_CHILD=damage", "BOLTKV_PATH="+path)
			// A child that recurses without end is killed, not waited for.
			cmd.WaitDelay = time.Second
			timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
			out, err := cmd.CombinedOutput()
			timer.Stop()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Errorf("%s: %v", c.name, err)
				return
			}
			mu.Lock()
			results[code]++
			mu.Unlock()
			if code != 0 && code != 2 {
				t.Errorf("%s: child exited %d (0: read fine, 2: Corrupt):\n%s", c.name, code, lastLines(out, 30))
			}
		}()
	}
	wg.Wait()
	t.Logf("outcomes: %d read fine, %d failed with Corrupt", results[0], results[2])
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > n {
		lines = lines[:n]
	}
	return bytes.Join(lines, []byte("\n"))
}
