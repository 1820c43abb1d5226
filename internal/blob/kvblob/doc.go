// Package kvblob is the blob contract (internal/blob) on a records store
// (internal/kv): blobs kept as records, for a team whose records are in
// PostgreSQL and who has no object store.
//
// # Layout
//
// Under Options.Namespace ("blobs" by default):
//
//	blobs/index    digest(32) -> size(8) mtime(8) chunk size(4)
//	blobs/chunks   digest(32) chunk(4) -> at most ChunkSize bytes (1 MiB)
//	blobs/holders  holder JSON -> ""
//
// A Put reads and hashes the bytes first (a temporary file beyond 8 MiB),
// then writes the chunks and the index entry in one transaction: a blob
// is whole or absent. Open reads the index entry and the first chunks in
// one read transaction and the rest a few chunks per transaction, each
// verified as it passes (blob.Verifier). The collection lock is the
// records store's named lock where it has one (pgkv: an advisory lock,
// across machines), else a lock in the process.
//
// # When to move to S3
//
// Blobs in PostgreSQL are fine for models and small artifacts: a model of
// a few megabytes costs a few rows. Every byte goes through the database
// (its WAL, its backups, its connection), at about the speed of one
// connection, and a blob of N MiB is one transaction of N rows; a large
// put holds a transaction that long. Move blobs to an S3-compatible
// bucket (internal/blob/s3blob) when they are data sets, when artifacts
// total more than a few gigabytes, when a blob passes about 100 MiB, or
// when many processes read blobs at once.
package kvblob
