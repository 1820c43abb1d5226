// Package registry keeps trained models as numbered, immutable versions
// with mutable aliases, on one bbolt file, with MLflow's Model Registry as
// the model: registered models hold versions 1, 2, 3...; aliases such as
// @champion point at one version each and move (SetAlias, Rollback) with a
// full history; a server follows an alias with Watch and switches models
// the moment it moves, in this process or another.
//
// # Basics
//
// [Open] opens (or creates) the database. [Registry.Register] stores model
// bytes as the next version of a model, with their format, the run that
// made them, the digest of the data they were trained on, metrics and
// tags. [Registry.SetAlias] points an alias at a version;
// [Registry.Rollback] moves it back; [Registry.Open] returns a version's
// bytes, checked against its digest.
//
//	reg, err := registry.Open("cairn-data/cairn.db")
//	v, created, err := reg.Register(ctx, "cancer", bytes.NewReader(b), registry.RegisterOptions{
//		Format: "cairn.linear/1", RunID: runID, DatasetDigest: ds.Digest(),
//	})
//	_, err = reg.SetAlias(ctx, "cancer", "champion", v.Number, registry.AliasOptions{Reason: "best F1"})
//	v, b, err := reg.Open(ctx, "cancer", "@champion")
//	_, err = reg.Rollback(ctx, "cancer", "champion", registry.AliasOptions{Reason: "F1 dropped"})
//
// A Registry is safe for concurrent use by many goroutines. Every method
// is one bbolt transaction, so each call sees and leaves a consistent
// registry: a rollback reads the alias history and moves the alias in one
// step, and two SetAlias calls at once (from two goroutines or two
// processes) both take effect, one after the other, both recorded.
//
// # Versions
//
// Version numbers start at 1 for each model and are never reused, even
// after [Registry.DeleteVersion]. A version's bytes and metadata never
// change; its tags and archived mark may. Registering bytes that are
// already a version of the model creates nothing: Register returns the
// existing version with created false (a flag, not an error, so that
// re-running a pipeline is harmless). Archived versions stay readable by
// number but are skipped by "latest" and cannot take an alias; a version
// that an alias points at can be neither archived nor deleted
// ([ErrAliasInUse]).
//
// Lineage: each [Version] carries its RunID and DatasetDigest;
// [Registry.VersionsByRun] and [Registry.VersionsByDataset] go the other
// way, from a run or a data set to the versions made from it.
//
// # References and URIs
//
// Methods that read a version take a reference ([ParseRef]): "v3" or "3",
// "latest" (the highest-numbered version that is not archived) or
// "@champion" (an alias). [ParseURI] and [Registry.Resolve] read the URIs
// MLflow writes: models:/cancer/3, models:/cancer/latest and
// models:/cancer@champion; [URI] writes them. What does not parse is an
// error wrapping [ErrBadRef] (a [*RefError] saying why), never a guess: a
// bare "champion" is refused with a hint to write "@champion", and
// MLflow's stages (models:/cancer/Production) with a hint to use an alias.
//
// # Names
//
// Model names are 1 to 256 bytes of printable UTF-8, with no '/' or '@'
// (the URI separators) and no space at either end. Alias names are 1 to
// 255 ASCII letters, digits, '_' and '-', as in MLflow; "latest" and
// "v<N>" (any case) are reserved. Anything else is [ErrInvalid].
//
// # Aliases and rollback
//
// Each alias move is an [AliasEvent] in the alias's history: who, when,
// from which version to which, and why. [Registry.Rollback] undoes the
// last move that is not already undone, like an undo stack: after
// champion went v1 -> v2 -> v3, Rollback brings it to v2, and again to v1.
// [Registry.RollbackTo] goes straight to any version the alias pointed at
// before. Both refuse a target that is archived or deleted. The history
// is never trimmed.
//
// # Watching
//
// [Registry.Watch] returns a channel that delivers the alias's current
// state and then every new state, until its context is done or the
// Registry is closed (then the channel is closed and its goroutine has
// ended). Moves through the same Registry are delivered at once; moves by
// another process are found by polling (Options.PollInterval, 20 ms by
// default), which needs both processes to open the file in Shared mode:
// the median delay across processes is about 11 ms (see # Performance).
//
// # Storage
//
// One bbolt file; every bucket is named "registry/...", so the registry
// can share the file (and a *bbolt.DB, see [OpenDB]) with track. bbolt
// locks the file: while one process has it open (the default) no other
// can open it. With Options.Shared the file is opened only for each call,
// so a pipeline, a server and a dashboard can use it in turn; a call that
// finds it busy waits up to Options.Timeout and then fails with
// [ErrLocked].
//
// Model bytes are content-addressed (named by their SHA-256 digest,
// "sha256:<hex>") and kept, by default, in the bucket registry/blobs of
// the same file. Models here are small (a logistic regression is a few
// KB), and keeping them inside means the version record and its bytes
// commit in one transaction: no crash can leave a version without its
// bytes or bytes without a version, there is nothing to clean up, one file
// holds the whole registry (copy it to back up, and it is the only thing
// another process must lock), and a version's bytes are read in the same
// transaction that resolves its alias. The cost is a bigger database file
// and model bytes in bbolt's memory map; for large models, set
// Options.Blobs to a [BlobStore] (track's folder store has the same method
// set), and the bytes are put there before the record commits. Either
// way, Open hashes the bytes it returns and reports a mismatch as
// [ErrCorrupt].
//
// # Performance
//
// Measured on the project machine (2 cores, Go 1.26.8, linux/amd64, shared
// with other work: load average 2 to 6 during the runs), with a 4 KB model:
//
//	                                   default     Shared
//	Get(name, "@champion")              3.1-3.6 us  110-155 us
//	Open(name, "@champion") (+ bytes)   11-14 us    325-360 us
//	SetAlias (a write and its fsyncs)   0.6-0.9 ms  1.2-1.3 ms
//
// Shared mode pays for an open and a close of the file on every call (a
// read-only open, flock, mmap and munmap: about 0.1 ms, more with more to
// map), and a write pays it on top of bbolt's fsyncs. That is the price
// of letting another process in between calls; a process that has the file
// to itself should use the default.
//
// Watch: the time from the start of SetAlias in one process to a Watch in
// another process delivering the move (both Shared; the figure includes
// the watcher printing to a pipe), over 300 moves at random moments:
//
//	PollInterval      p50       p90       max
//	20 ms (default)   11.2 ms   19.3 ms   86 ms
//	5 ms               3.6 ms    5.5 ms   12 ms
//
// The aim was a median under 250 ms. Within one process a move reaches a
// Watch in 0.6 ms (p50; 1.3 ms in Shared mode), since it needs no poll.
// Two things keep the tail short. An idle watcher only stats the file; it
// opens it (briefly, to read) only after the file's size or time changed,
// so it seldom holds the lock a writer wants. And before bbolt takes the
// file lock (bbolt retries a busy lock every 50 ms), Shared mode probes
// the lock with a non-blocking flock every millisecond. Before these two
// changes a first version of the benchmark (40 moves in step with the
// polls, outside the bench lock) gave a p90 of 70 to 98 ms, and SetAlias
// a p90 of 30 to 50 ms. The 86 ms worst case above is one SetAlias that
// itself took 85 ms.
//
// Reproduce (the benchmarks start the watcher as a second process):
//
//	flock /tmp/cairn-bench.lock go test -run '^$' -bench 'GetChampion|OpenChampion' -benchtime 20000x -count 3 ./registry/
//	flock /tmp/cairn-bench.lock go test -run '^$' -bench 'SetAlias' -benchtime 500x -count 2 ./registry/
//	flock /tmp/cairn-bench.lock go test -run '^$' -bench 'WatchAcross|WatchInProcess' -benchtime 300x ./registry/
//
// The default test run (go test -race ./registry/, with its subprocess
// tests) takes about 9 s here.
//
// # Errors
//
// Errors wrap the package's sentinels ([ErrNotFound], [ErrExists],
// [ErrInvalid], [ErrBadRef], [ErrAliasInUse], [ErrArchived],
// [ErrNoRollback], [ErrCorrupt], [ErrLocked], [ErrClosed], [ErrReadOnly]);
// check them with errors.Is. Bad input is an error, never a panic.
package registry
