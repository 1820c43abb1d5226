// Package pgkv is the shared engine of the records contract
// (internal/kv): buckets, cursors, sequences and change notification on
// PostgreSQL, so that processes on many machines share one store.
//
// # Tables
//
// A location names a database and a schema in it
// (postgres://user:password@host:port/db?sslmode=disable&schema=cairn;
// see ParseLocation). Open creates the schema's tables if they are
// missing, migrates tables of an older version forward, and refuses
// tables of a newer one (ErrNewer); the version is kept in <schema>.meta.
// The tables:
//
//	buckets  id, parent, name     a bucket (parent 0: top level); ids are random
//	seqs     bucket, seq          the sequence of a bucket that has one
//	kv       bucket, key, value   the records; a key is kept as its first
//	                              1024 bytes (kp), the rest, and the rest's
//	                              hash, so any key up to kv.MaxKeySize fits a
//	                              B-tree and (kp, rest) sorts as the key
//
// Nested bucket names and keys are separate name spaces here (bbolt's
// refusal of a key that names a bucket would cost a round trip per Put).
//
// # Transactions
//
// An update is a SERIALIZABLE transaction, a view a REPEATABLE READ, READ
// ONLY one (one snapshot). If PostgreSQL refuses an update (a
// serialisation conflict, a deadlock) or its connection drops before the
// commit is sent, the update function runs again in a new transaction,
// so it must have no effect outside it (kv's rule); Tx.AfterCommit and
// subscribers' wake-ups happen only for the attempt that committed. A
// connection lost while the commit is in flight leaves the outcome
// unknown: that is an error, never a second run. A view runs its function
// once.
//
// Round trips are what a remote store costs, so a transaction makes few:
// BEGIN and the list of top-level buckets go in one; writes are buffered
// and sent in batches (one INSERT ... unnest for many puts) with the next
// read or the commit, so a read sees the transaction's own writes; the
// commit, its notifications and the last writes go in one. A cursor reads
// pages of keys and values (16 after a Seek, 64 after First or Last,
// four times more for each page that continues a walk, up to 1024) and
// answers moves and Seeks inside its page without asking; Get remembers
// what it read, and Prefetch (kv.Prefetcher) reads many keys at once for
// the Gets and Seeks that follow. A read or write that fails poisons the
// transaction: the call returns that failure whatever the function
// returned.
//
// # Notification
//
// Tx.Notify sends pg_notify on the schema's channel with the commit.
// Subscribe starts a listener, one goroutine with its own connection,
// which LISTENs and wakes the topic's subscribers. PostgreSQL does not
// queue notifications for a listener that was away, so after every
// (re)connection the listener wakes every subscriber, which reads again
// what it follows: a server restart or a dropped connection delays a
// wake-up, never loses one.
//
// # Errors
//
// Errors name the location with its password replaced by "xxxxx" (see
// Redact). A missing database or (with NoCreate) schema wraps the
// NotFound sentinel, a lock wait past Options.LockTimeout the Locked one,
// a call after Close the Closed one, a bad location the Invalid one.
//
// # Performance
//
// See README.md for figures beside the bbolt engine; to measure:
//
//	CAIRN_TEST_POSTGRES=postgres://... go test -run '^$' -bench . ./internal/kv/...
package pgkv
