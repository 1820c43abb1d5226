package registry

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/cairn-ml/cairn/internal/kv"
)

// EventKind says how an alias moved.
type EventKind uint8

// The kinds of alias events.
const (
	AliasSet        EventKind = 1 + iota // SetAlias
	AliasDeleted                         // DeleteAlias
	AliasRolledBack                      // Rollback or RollbackTo
)

// String returns "set", "deleted" or "rolled back".
func (k EventKind) String() string {
	switch k {
	case AliasSet:
		return "set"
	case AliasDeleted:
		return "deleted"
	case AliasRolledBack:
		return "rolled back"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// AliasEvent is one move of an alias, as kept in its history.
type AliasEvent struct {
	// Seq orders events: it grows with every alias move in the file, so
	// it orders a model's history across its aliases. Seq is 0 in the
	// event returned for a call that moved nothing.
	Seq   uint64
	Name  string // the model
	Alias string
	Kind  EventKind
	// From and To are the versions the alias pointed at before and after;
	// 0 means it was not set (From of the first set, To of a delete).
	From, To int
	By       string
	Reason   string
	At       time.Time // UTC, millisecond precision
	// Undoes is, for a Rollback, the Seq of the event it undid; 0 for
	// every other event, RollbackTo included.
	Undoes uint64
}

// AliasOptions says who moves an alias and why, for its history.
type AliasOptions struct {
	By     string // "" means Options.User; at most 250 bytes
	Reason string // optional; at most 1000 bytes
}

func (o AliasOptions) check() error {
	if err := checkText("author", o.By, maxByLen, true); err != nil {
		return err
	}
	return checkText("reason", o.Reason, maxReasonLen, true)
}

func (ev *eventRec) public(name, alias string, seq uint64) AliasEvent {
	return AliasEvent{
		Seq: seq, Name: name, Alias: alias, Kind: ev.kind, From: int(ev.from), To: int(ev.to),
		By: ev.by, Reason: ev.reason, At: ms(ev.at), Undoes: ev.undoes,
	}
}

// SetAlias points alias at version of model name, creating the alias if
// needed, and records the move in the alias's history. The version must
// exist (ErrNotFound) and not be archived (ErrArchived); the alias name
// must be valid and not reserved (ErrInvalid). Setting an alias to the
// version it already points at records nothing and returns an event with
// Seq 0. Moves are serialised by the database, so concurrent SetAlias
// calls, from any number of goroutines or processes, each take effect in
// some order and each is recorded.
func (reg *Registry) SetAlias(ctx context.Context, name, alias string, version int, opts AliasOptions) (AliasEvent, error) {
	if err := checkAliasArgs(name, alias, opts); err != nil {
		return AliasEvent{}, err
	}
	if err := checkNumber(version); err != nil {
		return AliasEvent{}, err
	}
	return reg.moveAlias(ctx, name, alias, opts, func(t *txn, cur aliasVal, _ bool) (uint64, EventKind, uint64, error) {
		n := uint64(version)
		if err := t.checkTarget(name, alias, n); err != nil {
			return 0, 0, 0, err
		}
		return n, AliasSet, 0, nil
	})
}

// DeleteAlias removes an alias and records that in its history (so a
// Rollback can bring it back). Deleting an alias that is not set is an
// error wrapping ErrNotFound.
func (reg *Registry) DeleteAlias(ctx context.Context, name, alias string, opts AliasOptions) (AliasEvent, error) {
	if err := checkAliasArgs(name, alias, opts); err != nil {
		return AliasEvent{}, err
	}
	return reg.moveAlias(ctx, name, alias, opts, func(t *txn, _ aliasVal, set bool) (uint64, EventKind, uint64, error) {
		if !set {
			return 0, 0, 0, fmt.Errorf("%w: alias @%s of model %q", ErrNotFound, alias, name)
		}
		return 0, AliasDeleted, 0, nil
	})
}

// Rollback moves an alias back to where it pointed before its last move,
// in one transaction, and records that. Rollbacks undo moves in order, like
// an undo stack: after champion went v1 -> v2 -> v3, one Rollback brings
// it to v2 and a second to v1; a move undone is not undone again, and a
// new SetAlias starts a new step. Rolling back a DeleteAlias sets the
// alias again.
//
// It fails with ErrNoRollback when there is nothing before (the alias was
// set only once, or every move is undone), with ErrNotFound when the
// alias was never set or the earlier version has been deleted, and with
// ErrArchived when that version is archived.
func (reg *Registry) Rollback(ctx context.Context, name, alias string, opts AliasOptions) (AliasEvent, error) {
	if err := checkAliasArgs(name, alias, opts); err != nil {
		return AliasEvent{}, err
	}
	return reg.moveAlias(ctx, name, alias, opts, func(t *txn, cur aliasVal, set bool) (uint64, EventKind, uint64, error) {
		seq, ev, ok, err := t.lastMove(name, alias)
		switch {
		case err != nil:
			return 0, 0, 0, err
		case !ok && !set:
			return 0, 0, 0, fmt.Errorf("%w: alias @%s of model %q was never set", ErrNotFound, alias, name)
		case !ok || ev.from == 0:
			return 0, 0, 0, fmt.Errorf("%w: alias @%s of model %q has no earlier version", ErrNoRollback, alias, name)
		case ev.to != cur.version:
			return 0, 0, 0, fmt.Errorf("%w: alias @%s of model %q points at %d but its history ends at %d", ErrCorrupt, alias, name, cur.version, ev.to)
		}
		if err := t.checkTarget(name, alias, ev.from); err != nil {
			return 0, 0, 0, fmt.Errorf("cannot roll back @%s: %w", alias, err)
		}
		return ev.from, AliasRolledBack, seq, nil
	})
}

// RollbackTo moves an alias to a version it pointed at before, in one
// transaction, and records that as a rollback. The version must appear
// in the alias's history (ErrNoRollback otherwise: use SetAlias for a
// version the alias never had), still exist and not be archived. A later
// Rollback undoes a RollbackTo like any other move.
func (reg *Registry) RollbackTo(ctx context.Context, name, alias string, version int, opts AliasOptions) (AliasEvent, error) {
	if err := checkAliasArgs(name, alias, opts); err != nil {
		return AliasEvent{}, err
	}
	if err := checkNumber(version); err != nil {
		return AliasEvent{}, err
	}
	n := uint64(version)
	return reg.moveAlias(ctx, name, alias, opts, func(t *txn, cur aliasVal, set bool) (uint64, EventKind, uint64, error) {
		if set && cur.version == n {
			return n, AliasRolledBack, 0, nil
		}
		found := false
		prefix := historyPrefix(name, alias)
		c := t.history().Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			ev, err := decodeEvent(v)
			if err != nil {
				return 0, 0, 0, err
			}
			if ev.to == n {
				found = true
				break
			}
		}
		if !found {
			return 0, 0, 0, fmt.Errorf("%w: alias @%s of model %q never pointed at version %d", ErrNoRollback, alias, name, n)
		}
		if err := t.checkTarget(name, alias, n); err != nil {
			return 0, 0, 0, fmt.Errorf("cannot roll back @%s: %w", alias, err)
		}
		return n, AliasRolledBack, 0, nil
	})
}

// AliasHistory returns the moves of one alias of model name, or of all its
// aliases when alias is "", oldest first. The history is never trimmed
// and outlives the versions it names.
func (reg *Registry) AliasHistory(ctx context.Context, name, alias string) ([]AliasEvent, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if alias != "" {
		if err := checkAlias(alias); err != nil {
			return nil, err
		}
	}
	var out []AliasEvent
	err := reg.view(ctx, func(t *txn) error {
		if t.models().Get([]byte(name)) == nil {
			return fmt.Errorf("%w: model %q", ErrNotFound, name)
		}
		prefix := namePrefix(name)
		if alias != "" {
			prefix = historyPrefix(name, alias)
		}
		c := t.history().Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			a, seq, ok := splitHistoryKey(k, len(namePrefix(name)))
			if !ok {
				return fmt.Errorf("%w: history key %q", ErrCorrupt, k)
			}
			ev, err := decodeEvent(v)
			if err != nil {
				return err
			}
			out = append(out, ev.public(name, a, seq))
		}
		return nil
	})
	slices.SortFunc(out, func(a, b AliasEvent) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, err
}

// splitHistoryKey returns the alias and sequence number of a history key
// whose model prefix (name 0x00) is n bytes long.
func splitHistoryKey(k []byte, n int) (string, uint64, bool) {
	if len(k) < n+1+1+8 || k[len(k)-9] != 0 {
		return "", 0, false
	}
	return string(k[n : len(k)-9]), binary.BigEndian.Uint64(k[len(k)-8:]), true
}

func checkAliasArgs(name, alias string, opts AliasOptions) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkAlias(alias); err != nil {
		return err
	}
	return opts.check()
}

// checkTarget fails unless version n of the model exists and is not
// archived.
func (t *txn) checkTarget(name, alias string, n uint64) error {
	rec, err := t.version(name, n)
	if err != nil {
		return err
	}
	if rec.archived {
		return fmt.Errorf("%w: cannot point @%s at version %d of model %q", ErrArchived, alias, n, name)
	}
	return nil
}

// lastMove returns the alias's last move that a Rollback would undo: the
// newest event that is neither a rollback that undid something nor undone
// by one.
func (t *txn) lastMove(name, alias string) (uint64, eventRec, bool, error) {
	prefix := historyPrefix(name, alias)
	undone := map[uint64]bool{}
	c := t.history().Cursor()
	for k, v := lastWithPrefix(c, prefix); k != nil; k, v = prevWithPrefix(c, prefix) {
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		ev, err := decodeEvent(v)
		if err != nil {
			return 0, eventRec{}, false, err
		}
		switch {
		case undone[seq]:
			delete(undone, seq)
		case ev.kind == AliasRolledBack && ev.undoes != 0:
			undone[ev.undoes] = true
		default:
			return seq, ev, true, nil
		}
	}
	return 0, eventRec{}, false, nil
}

// lastWithPrefix positions c on the last key with prefix (whose keys all
// have 8 more bytes).
func lastWithPrefix(c kv.Cursor, prefix []byte) ([]byte, []byte) {
	seek := append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	k, v := c.Seek(seek)
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

func prevWithPrefix(c kv.Cursor, prefix []byte) ([]byte, []byte) {
	k, v := c.Prev()
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

// moveAlias runs one alias move in a write transaction: pick returns the
// new target (0 to delete the alias), the kind of event and the event it
// undoes. A move to where the alias already points records nothing.
func (reg *Registry) moveAlias(ctx context.Context, name, alias string, opts AliasOptions,
	pick func(t *txn, cur aliasVal, set bool) (to uint64, kind EventKind, undoes uint64, err error)) (AliasEvent, error) {
	var out AliasEvent
	err := reg.update(ctx, func(t *txn) error {
		if t.models().Get([]byte(name)) == nil {
			return fmt.Errorf("%w: model %q", ErrNotFound, name)
		}
		cur, set, err := t.alias(name, alias)
		if err != nil {
			return err
		}
		to, kind, undoes, err := pick(t, cur, set)
		if err != nil {
			return err
		}
		ev := eventRec{kind: kind, from: cur.version, to: to, by: reg.by(opts.By), reason: opts.Reason, at: t.now, undoes: undoes}
		if set && to == cur.version {
			out = ev.public(name, alias, 0)
			return nil
		}
		seq, err := t.history().NextSequence()
		if err != nil {
			return err
		}
		if err := t.history().Put(historyKey(name, alias, seq), ev.encode()); err != nil {
			return err
		}
		if to == 0 {
			err = t.aliases().Delete(aliasKey(name, alias))
		} else {
			err = t.aliases().Put(aliasKey(name, alias), aliasVal{version: to, seq: seq}.encode())
		}
		if err != nil {
			return err
		}
		out = ev.public(name, alias, seq)
		t.tx.Notify(aliasTopic(name, alias))
		return t.touch(name)
	})
	if err != nil {
		return AliasEvent{}, err
	}
	if out.Seq != 0 {
		reg.log.LogAttrs(ctx, slog.LevelDebug, "registry: alias "+out.Kind.String(),
			slog.String("model", name), slog.String("alias", alias),
			slog.Int("from", out.From), slog.Int("to", out.To), slog.String("by", out.By))
	}
	return out, nil
}
