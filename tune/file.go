package tune

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
)

// A study file is the export format of trials: one JSON record per line
// (see codec.go), the latest record of a trial winning. WriteTrials writes
// one, ReadTrials reads it back; a study's storage is a Storage, not a
// file.

// WriteTrials writes trials to w as a study file, one line each.
func WriteTrials(w io.Writer, trials []FrozenTrial) error {
	bw := bufio.NewWriter(w)
	for _, t := range trials {
		b, err := encodeTrial(t)
		if err != nil {
			return err
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tune: write trials: %w", err)
	}
	return nil
}

// ReadTrials reads a study file (WriteTrials, or the FileStorage of earlier
// versions) and returns the latest record of each trial, in number order.
// A last line without a newline is ignored (a write cut short). A line
// that is not a valid record is an error wrapping ErrCorrupt that names
// the line.
func ReadTrials(r io.Reader) ([]FrozenTrial, error) {
	latest, _, err := readTrials(r)
	if err != nil {
		return nil, fmt.Errorf("tune: read trials: %w", err)
	}
	return sortedTrials(latest), nil
}

// readTrials returns the latest record of each trial in r and the length
// in bytes of the complete lines.
func readTrials(r io.Reader) (map[int]FrozenTrial, int64, error) {
	br := bufio.NewReader(r)
	latest := map[int]FrozenTrial{}
	var good int64
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return latest, good, nil // a torn last line, or nothing
		}
		if err != nil {
			return nil, 0, err
		}
		good += int64(len(line))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		t, err := decodeTrial(line)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: line %d: %v", ErrCorrupt, n, err)
		}
		latest[t.Number] = t
	}
}

func sortedTrials(m map[int]FrozenTrial) []FrozenTrial {
	out := make([]FrozenTrial, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b FrozenTrial) int { return a.Number - b.Number })
	return out
}
