package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cairn-ml/cairn/internal/kv"
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
// on the same database (seen at the next poll, every
// Options.PollInterval).
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
// the alias need not be set yet. An idle watcher costs a stat of the
// database file per poll: it reads the alias only after the file changed
// (and once a second regardless).
func (reg *Registry) Watch(ctx context.Context, name, alias string) (<-chan AliasChange, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := checkAlias(alias); err != nil {
		return nil, err
	}
	reg.mu.Lock()
	if reg.closed {
		reg.mu.Unlock()
		return nil, ErrClosed
	}
	reg.watch.Add(1)
	reg.mu.Unlock()
	sub, err := reg.db.Subscribe(aliasTopic(name, alias))
	if err != nil {
		reg.watch.Done()
		return nil, err
	}
	first, _, err := reg.aliasState(ctx, name, alias, 0, false)
	if err != nil {
		sub.Close()
		reg.watch.Done()
		return nil, err
	}
	w := &watcher{reg: reg, name: name, alias: alias, out: make(chan AliasChange), sub: sub, seq: first.Seq}
	go w.run(ctx, first)
	return w.out, nil
}

type watcher struct {
	reg         *Registry
	name, alias string
	out         chan AliasChange
	sub         *kv.Subscription
	seq         uint64 // Seq of the last state found
}

// retryInterval is how often a watcher whose last read failed tries
// again without waiting for a change.
const retryInterval = 50 * time.Millisecond

func (w *watcher) run(ctx context.Context, first AliasChange) {
	defer w.reg.watch.Done()
	defer close(w.out)
	defer w.sub.Close()
	pending, have := first, true
	lastErr := ""
	dirty := false // a read failed: read again soon, and deliver the next state found
	retry := time.NewTicker(retryInterval)
	defer retry.Stop()
	for {
		var send chan<- AliasChange
		if have {
			send = w.out
		}
		var tick <-chan time.Time
		if dirty {
			tick = retry.C
		}
		select {
		case <-ctx.Done():
			return
		case <-w.reg.done:
			return
		case send <- pending:
			have = false
			continue
		case <-w.sub.C:
		case <-tick:
		}
		ch, changed, err := w.reg.aliasState(ctx, w.name, w.alias, w.seq, !dirty)
		switch {
		case err != nil && (ctx.Err() != nil || errors.Is(err, ErrClosed)):
			return
		case err != nil:
			dirty = true
			if err.Error() == lastErr {
				continue
			}
			lastErr = err.Error()
			w.reg.log.LogAttrs(ctx, slog.LevelWarn, "registry: watch", slog.String("model", w.name),
				slog.String("alias", w.alias), slog.Any("err", err))
			pending, have = AliasChange{Name: w.name, Alias: w.alias, Err: err}, true
		case changed || dirty:
			lastErr, dirty = "", false
			w.seq = ch.Seq
			pending, have = ch, true
		default:
			lastErr = ""
		}
	}
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
			out.Version, _, err = t.get(name, Ref{Number: int(a.version)})
		}
		return err
	})
	if err != nil {
		return AliasChange{}, false, err
	}
	return out, changed, nil
}
