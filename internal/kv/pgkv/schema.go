package pgkv

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"github.com/cairn-ml/cairn/internal/kv"
)

// SchemaVersion is the version of the tables this package reads and
// writes, kept in <schema>.meta under "version".
const SchemaVersion = 1

// ErrNewer reports tables written by a newer version of cairn.
var ErrNewer = errors.New("pgkv: tables written by a newer version of cairn (upgrade cairn to use them)")

// migrations[i] moves the tables from version i to i+1; %[1]s is the
// quoted schema. Version 0 is an empty schema.
var migrations = []string{
	// 0 -> 1: buckets, sequences and records.
	//
	// A bucket is a row of buckets (id chosen at random by the client,
	// parent 0 for a top-level bucket); a record is a row of kv. A key
	// is kept as kp, its first prefixLen bytes, and rest, the others;
	// kh is the SHA-256 of rest when there is one (else empty), so that
	// the primary key stays small enough for a B-tree whatever the key's
	// length, and (kp, rest) sorts as the key does.
	`CREATE TABLE %[1]s.buckets (
		id bigint PRIMARY KEY,
		parent bigint NOT NULL,
		name bytea NOT NULL,
		nh bytea NOT NULL,
		UNIQUE (parent, nh)
	);
	CREATE TABLE %[1]s.seqs (
		bucket bigint PRIMARY KEY,
		seq bigint NOT NULL
	);
	CREATE TABLE %[1]s.kv (
		bucket bigint NOT NULL,
		kp bytea NOT NULL,
		kh bytea NOT NULL,
		rest bytea NOT NULL,
		value bytea NOT NULL,
		PRIMARY KEY (bucket, kp, kh)
	);`,
}

// lockKey is the advisory lock that serialises the creation and
// migration of one schema's tables.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("cairn.pgkv\x00" + schema))
	return int64(h.Sum64())
}

// setup creates or migrates the tables (unless noCreate) and checks
// their version, in one transaction under the schema's advisory lock.
func (db *DB) setup(ctx context.Context, noCreate bool, migs []string) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return db.classify(ctx, err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return db.classify(ctx, err)
	}
	defer tx.Rollback(context.Background())
	s := pgx.Identifier{db.schema}.Sanitize()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(db.schema)); err != nil {
		return db.classify(ctx, err)
	}
	var exists bool
	err = tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'meta')", db.schema).Scan(&exists)
	if err != nil {
		return db.classify(ctx, err)
	}
	version := int64(0)
	if exists {
		err := tx.QueryRow(ctx, "SELECT value FROM "+s+".meta WHERE name = 'version'").Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.errs.Wrap(kv.ErrCorrupt, db.loc+": "+db.schema+".meta holds no version", nil)
		}
		if err != nil {
			return db.classify(ctx, err)
		}
	}
	switch {
	case version > int64(len(migs)):
		return fmt.Errorf("%s: schema %s is version %d, this cairn reads %d: %w: %w", db.loc, db.schema, version, len(migs), db.newer, ErrNewer)
	case version == int64(len(migs)):
		return nil
	case version < 0:
		return db.errs.Wrap(kv.ErrCorrupt, fmt.Sprintf("%s: schema %s is version %d", db.loc, db.schema, version), nil)
	case noCreate:
		if !exists {
			return db.errs.Wrap(kv.ErrNotFound, fmt.Sprintf("%s: no cairn tables in schema %s", db.loc, db.schema), nil)
		}
		return db.errs.Wrap(kv.ErrCorrupt, fmt.Sprintf("%s: schema %s is version %d, this cairn reads %d (open it without NoCreate to migrate it)", db.loc, db.schema, version, len(migs)), nil)
	}
	if !exists {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+s); err != nil {
			return db.classify(ctx, err)
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE "+s+".meta (name text PRIMARY KEY, value bigint NOT NULL)"); err != nil {
			return db.classify(ctx, err)
		}
	}
	for ; version < int64(len(migs)); version++ {
		if _, err := tx.Exec(ctx, fmt.Sprintf(migs[version], s)); err != nil {
			return fmt.Errorf("%s: migrate schema %s from version %d: %w", db.loc, db.schema, version, db.classify(ctx, err))
		}
	}
	_, err = tx.Exec(ctx, "INSERT INTO "+s+".meta (name, value) VALUES ('version', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value", version)
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		return db.classify(ctx, err)
	}
	return nil
}
