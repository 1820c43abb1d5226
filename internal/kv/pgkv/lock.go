package pgkv

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cairn-ml/cairn/internal/kv"
)

// Lock takes the named lock, shared or exclusive, across every process
// that uses the schema: a PostgreSQL advisory lock held on a connection
// of its own (one per DB, opened while some lock is held, not taken from
// the pool, so that holders never starve the transactions they wait
// for). Holders in this process are counted here and share the one
// session lock. A zero deadline waits until ctx ends; past it the error
// wraps the Locked sentinel. The lock ends with the returned func, or
// when the connection is lost (PostgreSQL releases a dead session's
// locks): a crashed holder never blocks the others.
func (db *DB) Lock(ctx context.Context, name string, exclusive bool, deadline time.Time) (func(), error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.calls.Done()
	l := db.lockFor(name)
	if err := l.acquire(ctx, db, exclusive, deadline); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { l.release(db, exclusive) }) }, nil
}

// named is one named lock's state in this process.
type named struct {
	key int64

	mu        sync.Mutex
	shared    int  // holders of the shared lock here
	exclusive bool // held exclusive here
	pending   bool // a holder here is taking the session lock
	changed   chan struct{}
}

// locks are a DB's named locks and their session.
type locks struct {
	mu    sync.Mutex
	named map[string]*named
	conn  *pgx.Conn
	held  int // server locks held on conn
}

func (db *DB) lockFor(name string) *named {
	db.locks.mu.Lock()
	defer db.locks.mu.Unlock()
	if db.locks.named == nil {
		db.locks.named = map[string]*named{}
	}
	l := db.locks.named[name]
	if l == nil {
		l = &named{key: lockKey(db.schema + "\x00lock\x00" + name), changed: make(chan struct{})}
		db.locks.named[name] = l
	}
	return l
}

// acquire waits for the local state to allow the lock, then (for the
// first holder here) takes the session lock.
func (l *named) acquire(ctx context.Context, db *DB, exclusive bool, deadline time.Time) error {
	for {
		l.mu.Lock()
		free := !l.pending && !l.exclusive && (!exclusive || l.shared == 0)
		if free && !exclusive && l.shared > 0 {
			l.shared++ // the session holds it shared already
			l.mu.Unlock()
			return nil
		}
		if free {
			// Claim it here first, so that other goroutines wait while
			// the session lock is taken.
			l.pending = true
			l.mu.Unlock()
			err := db.serverLock(ctx, l.key, exclusive, deadline)
			l.mu.Lock()
			l.pending = false
			if err == nil {
				if exclusive {
					l.exclusive = true
				} else {
					l.shared++
				}
			}
			close(l.changed)
			l.changed = make(chan struct{})
			l.mu.Unlock()
			return err
		}
		ch := l.changed
		l.mu.Unlock()
		var timeout <-chan time.Time
		if !deadline.IsZero() {
			t := time.NewTimer(time.Until(deadline))
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for a lock: %w", db.loc, ctx.Err())
		case <-timeout:
			return db.errs.Wrap(kv.ErrLocked, db.loc+": lock held by another holder in this process", nil)
		}
	}
}

func (l *named) release(db *DB, exclusive bool) {
	l.mu.Lock()
	last := false
	if exclusive {
		l.exclusive, last = false, true
	} else {
		l.shared--
		last = l.shared == 0
	}
	close(l.changed)
	l.changed = make(chan struct{})
	if last {
		db.serverUnlock(l.key, exclusive)
	}
	l.mu.Unlock()
}

// serverLock takes the advisory lock on the lock session, trying every
// 20 ms until the deadline.
func (db *DB) serverLock(ctx context.Context, key int64, exclusive bool, deadline time.Time) error {
	fn := "pg_try_advisory_lock_shared"
	if exclusive {
		fn = "pg_try_advisory_lock"
	}
	for {
		ok, err := db.trySession(ctx, "SELECT "+fn+"($1)", key)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return db.errs.Wrap(kv.ErrLocked, db.loc+": lock held by another process", nil)
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: waiting for a lock: %w", db.loc, ctx.Err())
		case <-t.C:
		}
	}
}

// trySession runs a try-lock on the session connection (opening it if
// needed) and counts a lock taken.
func (db *DB) trySession(ctx context.Context, sql string, key int64) (bool, error) {
	db.locks.mu.Lock()
	defer db.locks.mu.Unlock()
	if db.locks.conn == nil || db.locks.conn.IsClosed() {
		if db.locks.held > 0 {
			db.log.Warn("pgkv: the lock session was lost; its locks were released by the server", "location", db.loc)
			db.locks.held = 0
		}
		conn, err := pgx.ConnectConfig(ctx, db.connCfg)
		if err != nil {
			return false, db.classify(ctx, err)
		}
		db.locks.conn = conn
	}
	var ok bool
	if err := db.locks.conn.QueryRow(ctx, sql, key).Scan(&ok); err != nil {
		return false, db.classify(ctx, err)
	}
	if ok {
		db.locks.held++
	}
	return ok, nil
}

func (db *DB) serverUnlock(key int64, exclusive bool) {
	fn := "pg_advisory_unlock_shared"
	if exclusive {
		fn = "pg_advisory_unlock"
	}
	db.locks.mu.Lock()
	defer db.locks.mu.Unlock()
	if db.locks.conn == nil || db.locks.conn.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := db.locks.conn.Exec(ctx, "SELECT "+fn+"($1)", key)
	if db.locks.held--; err != nil || db.locks.held <= 0 {
		db.locks.held = 0
		db.locks.conn.Close(ctx)
		db.locks.conn = nil
	}
}

// closeLocks closes the lock session (Close).
func (db *DB) closeLocks() {
	db.locks.mu.Lock()
	defer db.locks.mu.Unlock()
	if db.locks.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		db.locks.conn.Close(ctx)
		db.locks.conn = nil
	}
}
