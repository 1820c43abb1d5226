package pgkv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cairn-ml/cairn/internal/kv"
)

// Options configures a DB. The zero value gives the defaults documented on
// each field.
type Options struct {
	// Errors are the sentinels errors wrap.
	Errors kv.Errors
	// Newer is the sentinel an error wraps when the tables were written
	// by a newer version of cairn (beside ErrNewer); nil means ErrNewer
	// alone.
	Newer error
	// Logger receives debug records (retries, reconnections of the
	// listener). Nil discards them.
	Logger *slog.Logger
	// NoCreate makes Open fail with the NotFound sentinel when the schema
	// holds no cairn tables, instead of creating them.
	NoCreate bool
	// LockTimeout bounds each wait for a row another transaction holds
	// (PostgreSQL's lock_timeout); when it runs out the call fails with
	// the Locked sentinel. Zero means 10 seconds; a negative value waits
	// until the call's context ends.
	LockTimeout time.Duration
	// MaxConns is the size of the connection pool. Zero means the URL's
	// pool_max_conns, or pgxpool's default (4, or the number of CPUs if
	// more).
	MaxConns int32
	// MaxAttempts bounds how often an update is run when PostgreSQL
	// refuses to commit it (a serialisation conflict, a deadlock) or the
	// connection drops before its commit. Zero means 50.
	MaxAttempts int
}

// DB is a records store in a PostgreSQL schema. It is safe for concurrent
// use, by many processes on many machines.
type DB struct {
	loc     string // redacted URL, for messages
	schema  string
	q       names // quoted table names
	errs    kv.Errors
	newer   error
	log     *slog.Logger
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig // for the listener's own connection
	maxTry  int

	mu     sync.RWMutex // held shared by calls in flight, exclusive by Close
	closed bool
	calls  sync.WaitGroup

	subs  subscribers
	locks locks

	// beforeListen, if set (tests), runs before the listener issues
	// LISTEN on a new connection.
	beforeListen func()
	// trips counts round trips to the server in transactions (tests and
	// benchmarks).
	trips atomic.Int64
}

var _ kv.DB = (*DB)(nil)

// names are the quoted names of the schema's tables.
type names struct {
	buckets, seqs, kv string
	channel           string // the notification channel, unquoted
}

// Open connects to the PostgreSQL database at location (see
// ParseLocation), creates or migrates cairn's tables in its schema unless
// opts.NoCreate is set, and checks their version. A database that does
// not exist is an error wrapping the NotFound sentinel; tables of a newer
// version, one wrapping ErrNewer and opts.Newer.
func Open(ctx context.Context, location string, opts Options) (*DB, error) {
	return open(ctx, location, opts, migrations)
}

func open(ctx context.Context, location string, opts Options, migs []string) (*DB, error) {
	loc, err := ParseLocation(location)
	if err != nil {
		return nil, opts.Errors.Wrap(kv.ErrInvalid, "records location", err)
	}
	cfg, err := pgxpool.ParseConfig(loc.Conn)
	if err != nil {
		return nil, opts.Errors.Wrap(kv.ErrInvalid, loc.Redacted, errors.New(Redact(err.Error())))
	}
	lt := opts.LockTimeout
	switch {
	case lt == 0:
		lt = 10 * time.Second
	case lt < 0:
		lt = 0
	}
	cfg.ConnConfig.RuntimeParams["lock_timeout"] = fmt.Sprint(lt.Milliseconds())
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	db := &DB{
		loc: loc.Redacted, schema: loc.Schema, errs: opts.Errors, newer: opts.Newer, log: opts.Logger,
		connCfg: cfg.ConnConfig.Copy(), maxTry: opts.MaxAttempts,
	}
	if db.newer == nil {
		db.newer = ErrNewer
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.maxTry <= 0 {
		db.maxTry = 50
	}
	s := pgx.Identifier{loc.Schema}.Sanitize()
	db.q = names{buckets: s + ".buckets", seqs: s + ".seqs", kv: s + ".kv", channel: channelName(loc.Schema)}
	db.subs.init()
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", db.loc, err)
	}
	if err := db.setup(ctx, opts.NoCreate, migs); err != nil {
		db.pool.Close()
		return nil, err
	}
	return db, nil
}

// Location implements kv.DB: the URL with its password replaced by
// "xxxxx".
func (db *DB) Location() string { return db.loc }

// Schema returns the PostgreSQL schema of the tables.
func (db *DB) Schema() string { return db.schema }

// enter starts a call; it fails once the DB is closed.
func (db *DB) enter() error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return db.errs.Wrap(kv.ErrClosed, db.loc, nil)
	}
	db.calls.Add(1)
	return nil
}

// Close implements kv.DB: it waits for the calls in flight, stops the
// listener and closes the pool.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	db.mu.Unlock()
	db.calls.Wait()
	db.subs.stop()
	db.closeLocks()
	db.pool.Close()
	return nil
}

// View implements kv.DB. The transaction is REPEATABLE READ, READ ONLY:
// fn sees one snapshot of the committed state. fn runs once: a View is
// not retried once fn has started (it may have gathered results).
func (db *DB) View(ctx context.Context, fn func(kv.Tx) error) error {
	if err := db.enter(); err != nil {
		return err
	}
	defer db.calls.Done()
	for try := 1; ; try++ {
		err, retry := db.run(ctx, fn, false)
		if !retry || try >= 3 {
			return err
		}
		if werr := db.backoff(ctx, try); werr != nil {
			return err
		}
	}
}

// Update implements kv.DB. The transaction is SERIALIZABLE; if
// PostgreSQL refuses to commit it (a serialisation conflict or deadlock)
// or the connection drops before the commit is sent, fn runs again in a
// new transaction, up to Options.MaxAttempts times. If the connection
// drops while the commit is in flight, the outcome is unknown and the
// error says so; fn is not run again.
func (db *DB) Update(ctx context.Context, fn func(kv.Tx) error) error {
	if err := db.enter(); err != nil {
		return err
	}
	defer db.calls.Done()
	for try := 1; ; try++ {
		err, retry := db.run(ctx, fn, true)
		if !retry || try >= db.maxTry {
			if retry {
				err = fmt.Errorf("gave up after %d attempts: %w", try, err)
			}
			return err
		}
		db.log.LogAttrs(ctx, slog.LevelDebug, "pgkv: retry", slog.String("location", db.loc), slog.Int("attempt", try), slog.Any("err", err))
		if werr := db.backoff(ctx, try); werr != nil {
			return err
		}
	}
}

// backoff waits before attempt try+1: a few milliseconds growing to
// about 200, with jitter so that conflicting writers spread out.
func (db *DB) backoff(ctx context.Context, try int) error {
	d := time.Millisecond << min(try, 8)
	d = d/2 + rand.N(d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// run makes one attempt at a transaction. retry reports whether it may
// be run again: nothing was committed and the failure was transient.
func (db *DB) run(ctx context.Context, fn func(kv.Tx) error, write bool) (err error, retry bool) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", db.loc, err), false
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return db.classify(ctx, err), db.transient(ctx, err, true)
	}
	t := newTx(db, ctx, conn.Conn(), write)
	defer func() {
		if !t.done {
			t.rollback()
		}
		if t.broken() {
			conn.Conn().Close(context.Background())
		}
		conn.Release()
	}()
	if err := t.begin(); err != nil {
		return db.classify(ctx, err), db.transient(ctx, err, true)
	}
	ferr := t.call(fn)
	if t.err != nil {
		// A read or flush failed: fn may have acted on a nil value, so
		// its own result means nothing.
		return db.classify(ctx, t.err), write && db.transient(ctx, t.err, true)
	}
	if ferr != nil {
		return ferr, false
	}
	if !write {
		t.end()
		return nil, false
	}
	if err := t.commit(); err != nil {
		// Before the commit reached the server, or refused by it: not
		// committed. Lost in flight: unknown.
		var pe *pgconn.PgError
		safe := !t.sentCommit || errors.As(err, &pe) || pgconn.SafeToRetry(err)
		if !safe {
			return fmt.Errorf("%s: the connection failed during a commit, which may or may not have taken effect: %w", db.loc, db.classify(ctx, err)), false
		}
		return db.classify(ctx, err), db.transient(ctx, err, true)
	}
	for _, f := range t.after {
		f()
	}
	db.subs.local(t.topics)
	return nil, false
}

// SQLSTATE codes the engine acts on.
const (
	codeSerialization = "40001"
	codeDeadlock      = "40P01"
	codeLockTimeout   = "55P03"
	codeNoDatabase    = "3D000"
	codeUniqueKey     = "23505"
	codeBadPassword   = "28P01"
	codeBadAuth       = "28000"
	codeAdminShutdown = "57P01"
	codeCrashShutdown = "57P02"
	codeCannotConnect = "57P03"
)

// transient reports whether a failed attempt may be tried again: a
// serialisation conflict or deadlock, or (if connLost) a connection that
// failed or was closed by the server. A cancelled context never is.
func (db *DB) transient(ctx context.Context, err error, connLost bool) bool {
	if ctx.Err() != nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeSerialization, codeDeadlock, codeUniqueKey:
			return true
		case codeAdminShutdown, codeCrashShutdown, codeCannotConnect:
			return connLost
		}
		return false
	}
	if !connLost {
		return false
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, errConnLost) || pgconn.SafeToRetry(err)
}

// errConnLost marks a connection that closed under a transaction.
var errConnLost = errors.New("connection lost")

// classify turns a pgx error into one that names the location (never its
// password) and wraps the caller's sentinel where one applies.
func (db *DB) classify(ctx context.Context, err error) error {
	if err == nil || kv.Wrapped(err) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%s: %w (%s)", db.loc, cerr, Redact(err.Error()))
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeNoDatabase:
			return db.errs.Wrap(kv.ErrNotFound, db.loc, err)
		case codeLockTimeout:
			return db.errs.Wrap(kv.ErrLocked, db.loc+": a row stayed locked by another transaction", err)
		case codeBadPassword, codeBadAuth:
			return fmt.Errorf("%s: the server refused the credentials: %w", db.loc, err)
		}
		return fmt.Errorf("%s: %w", db.loc, err)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return fmt.Errorf("%s: cannot connect: %w", db.loc, err)
	}
	return fmt.Errorf("%s: %w", db.loc, err)
}
