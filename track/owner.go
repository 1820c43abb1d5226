package track

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// A run is owned by the process that started it: its host, its pid and,
// where the system says when that process started (Linux), its start
// time and the boot it belongs to, so that a pid used again by another
// process is not taken for the owner. The owner is stored with the run
// (not as a tag); Reap uses it to find the runs whose process is gone.

// owner returns this process's owner string, "host pid start".
func (st *Store) owner() string {
	st.ownerOnce.Do(func() {
		host, err := os.Hostname()
		if err != nil || host == "" || strings.ContainsAny(host, " \x00") {
			return
		}
		st.ownerID = host + " " + strconv.Itoa(os.Getpid()) + " " + processStart(os.Getpid())
	})
	return st.ownerID
}

// alive reports whether the process named by owner (a run's owner) may be
// running: false only when it is on this host and certainly gone. A run of
// another host, or one whose owner is unknown, counts as alive.
func (st *Store) alive(owner string) bool {
	f := strings.Fields(owner)
	mine := strings.Fields(st.owner())
	if len(f) != 3 || len(mine) != 3 || f[0] != mine[0] {
		return true
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil || pid <= 0 {
		return true
	}
	switch state := processState(pid); {
	case state == processGone:
		return false
	case state == processRunning && f[2] != "-" && processStart(pid) != f[2]:
		return false // the pid belongs to another process now
	}
	return true
}

// ReapRuns marks Killed the runs still Running whose owner process is
// gone: started on this host by a process that has exited (killed,
// crashed, or stopped by a broken pipe) without ending them. MLflow
// leaves such runs running forever. Runs started on other hosts are left
// alone: this process cannot see their owners. It returns the ids of the
// runs it marked.
func (st *Store) ReapRuns(ctx context.Context) ([]string, error) {
	if st.owner() == "" {
		return nil, nil
	}
	var reaped []string
	err := st.update(ctx, func(t *txn) error {
		reaped = nil
		running := append([]byte(StatusRunning.String()), 0)
		var exps []uint64
		c := t.exps().Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) == 8 {
				exps = append(exps, binary.BigEndian.Uint64(k))
			}
		}
		for _, exp := range exps {
			w := (&searcher{t: t}).walker(exp, idxRange{kind: kindAttr, name: attrStatus, lo: running, hi: running}, false)
			var ids []runID
			for {
				_, id, ok := w.next()
				if !ok {
					break
				}
				ids = append(ids, id)
			}
			for _, id := range ids {
				rec, err := t.run(id)
				if err != nil {
					return err
				}
				if rec.status != StatusRunning || rec.deleted || st.alive(rec.owner) {
					continue
				}
				if err := t.setRun(id, rec, func(r *runRec) { r.status, r.end = StatusKilled, t.now }); err != nil {
					return err
				}
				reaped = append(reaped, id.String())
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("track: reap runs: %w", err)
	}
	if len(reaped) > 0 {
		st.log.LogAttrs(ctx, slog.LevelInfo, "track: runs of dead processes marked killed", slog.Any("runs", reaped))
	}
	return reaped, nil
}
