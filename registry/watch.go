package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// AliasChange is what Watch delivers: the state of an alias after it
// moved.
type AliasChange struct {
	Name  string // the model
	Alias string
	// Version is the version the alias now points at, as Get returns it;
	// its Number is 0 when the alias is not set (never set, or deleted).
	Version Version
	// Seq is the Seq of the alias's last event (0 if it has none); it
	// differs between any two changes a Watch delivers.
	Seq uint64
	// Err, when not nil, reports a poll that failed (the file could not be
	// opened in time, say); the other fields are then zero except Name and
	// Alias. The watch goes on, polling at every interval, and the first
	// poll that works delivers the alias's state again, changed or not.
	// One failure is reported once, however many polls repeat it.
	Err error
}

// Watch follows an alias of model name. It returns a channel that first
// delivers the alias's current state, then a new state each time the
// alias moves: by SetAlias, DeleteAlias, Rollback or RollbackTo through
// this Registry (seen at once), or through any other Registry or process
// on the same file (seen at the next poll, every Options.PollInterval).
//
// The contract of the channel:
//   - It delivers states, not events: if the alias moves several times
//     before the receiver takes the next value, only the newest state is
//     delivered. AliasHistory has every event.
//   - Two states delivered in a row never have the same Seq, unless an
//     error came between them.
//   - It is closed when ctx is done or the Registry is closed, and the
//     goroutine behind it has then ended (Close waits for it); nothing is
//     sent after that, so ranging over the channel ends. The receiver
//     need not drain it.
//
// The model must exist (ErrNotFound) and the names be valid (ErrInvalid);
// the alias need not be set yet. In Shared mode each poll first looks at
// the file's size and modification time and opens the file (for reading,
// for a moment) only after they changed (and once a second regardless), so
// an idle watcher costs a stat call per poll and seldom holds the file
// lock a writer wants.
func (reg *Registry) Watch(ctx context.Context, name, alias string) (<-chan AliasChange, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := checkAlias(alias); err != nil {
		return nil, err
	}
	reg.mu.Lock()
	if reg.closed.Load() {
		reg.mu.Unlock()
		return nil, ErrClosed
	}
	reg.watch.Add(1)
	reg.mu.Unlock()
	w := &watcher{reg: reg, name: name, alias: alias, out: make(chan AliasChange)}
	w.look() // the stamp of the file before the first read
	w.lastRead = time.Now()
	first, _, err := reg.aliasState(ctx, name, alias, 0, false)
	if err != nil {
		reg.watch.Done()
		return nil, err
	}
	w.seq = first.Seq
	go w.run(ctx, first)
	return w.out, nil
}

// In Shared mode, a poll reads the file when its stamp (size, time,
// identity) changed since the last read, and at least every fullPoll.
// File times are coarse (the kernel stamps writes with a clock that ticks
// every few milliseconds), so a write just after a read can leave the same
// time; a write can hide like that only while the last read began less
// than one tick after the file's time, so until a read begins timeTick
// after it, every poll reads.
const (
	timeTick = 20 * time.Millisecond
	fullPoll = time.Second
)

type watcher struct {
	reg         *Registry
	name, alias string
	out         chan AliasChange

	seq      uint64      // Seq of the last state found
	stamp    os.FileInfo // the file as last looked at before a read
	lastRead time.Time
	dirty    bool // a read failed: read at every poll, and deliver the next state found
}

func (w *watcher) run(ctx context.Context, first AliasChange) {
	defer w.reg.watch.Done()
	defer close(w.out)
	pending, have := first, true
	lastErr := ""
	tick := time.NewTicker(w.reg.poll)
	defer tick.Stop()
	for {
		var send chan<- AliasChange
		if have {
			send = w.out
		}
		force := false
		select {
		case <-ctx.Done():
			return
		case <-w.reg.done:
			return
		case send <- pending:
			have = false
			continue
		case <-w.reg.changedChan():
			force = true
		case <-tick.C:
		}
		if !force && !w.dirty && !w.look() {
			continue
		}
		w.lastRead = time.Now()
		ch, changed, err := w.reg.aliasState(ctx, w.name, w.alias, w.seq, !w.dirty)
		switch {
		case err != nil && (ctx.Err() != nil || errors.Is(err, ErrClosed)):
			return
		case err != nil:
			w.dirty = true // deliver the state again once a read works
			if err.Error() == lastErr {
				continue
			}
			lastErr = err.Error()
			w.reg.log.LogAttrs(ctx, slog.LevelWarn, "registry: watch", slog.String("model", w.name),
				slog.String("alias", w.alias), slog.Any("err", err))
			pending, have = AliasChange{Name: w.name, Alias: w.alias, Err: err}, true
		case changed || w.dirty:
			lastErr, w.dirty = "", false
			w.seq = ch.Seq
			pending, have = ch, true
		default:
			lastErr = ""
		}
	}
}

// look reports whether a poll should read the file, and if so remembers
// the file's stamp. Outside Shared mode a read costs about a microsecond
// and takes no file lock, so every poll reads.
func (w *watcher) look() bool {
	if w.reg.sh == nil {
		return true
	}
	fi, err := os.Stat(w.reg.path)
	if err != nil {
		return true // the read reports the problem
	}
	old := w.stamp
	read := old == nil || !os.SameFile(old, fi) || !old.ModTime().Equal(fi.ModTime()) ||
		old.Size() != fi.Size() || w.lastRead.Sub(fi.ModTime()) < timeTick || time.Since(w.lastRead) >= fullPoll
	if read {
		w.stamp = fi
	}
	return read
}

// aliasState reads the state of an alias. If only is true and the alias's
// last event is still seq, it reports changed false without reading the
// version.
func (reg *Registry) aliasState(ctx context.Context, name, alias string, seq uint64, only bool) (AliasChange, bool, error) {
	out := AliasChange{Name: name, Alias: alias}
	changed := false
	err := reg.view(ctx, func(t *txn) error {
		if t.models().Get([]byte(name)) == nil {
			return fmt.Errorf("%w: model %q", ErrNotFound, name)
		}
		a, set, err := t.alias(name, alias)
		if err != nil {
			return err
		}
		out.Seq = a.seq
		if !set {
			if k, _ := lastWithPrefix(t.history().Cursor(), historyPrefix(name, alias)); k != nil {
				_, out.Seq, _ = splitHistoryKey(k, len(namePrefix(name)))
			}
		}
		if only && out.Seq == seq {
			return nil
		}
		changed = true
		if set {
			out.Version, _, err = t.get(name, Ref{Version: int(a.version)})
		}
		return err
	})
	if err != nil {
		return AliasChange{}, false, err
	}
	return out, changed, nil
}
