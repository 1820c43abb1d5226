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
// [Registry.Rollback] moves it back; [Registry.Load] returns a version's
// bytes, checked against its digest.
//
//	reg, err := registry.Open("cairn-data/cairn.db")
//	v, created, err := reg.Register(ctx, "cancer", bytes.NewReader(b), registry.RegisterOptions{
//		Format: linear.FormatName, RunID: runID, DatasetDigest: ds.Digest(),
//	})
//	_, err = reg.SetAlias(ctx, "cancer", "champion", v.Number, registry.AliasOptions{Reason: "best F1"})
//	v, b, err := reg.Load(ctx, "cancer", "@champion")
//	_, err = reg.Rollback(ctx, "cancer", "champion", registry.AliasOptions{Reason: "F1 dropped"})
//
// A Registry is safe for concurrent use by many goroutines, and by
// several processes on one file with the default options: a pipeline
// registering and rolling back while a server follows an alias and a
// dashboard reads. Every method is one transaction, so each call sees and
// leaves a consistent registry: a rollback reads the alias history and
// moves the alias in one step, and two SetAlias calls at once (from two
// goroutines or two processes) both take effect, one after the other,
// both recorded.
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
// A model can be renamed ([Registry.RenameModel]: its versions, aliases,
// history and lineage move with it) and deleted whole
// ([Registry.DeleteModel], refused while an alias points into it), as
// MLflow's registered models can. A version may record where it came from
// as a URI (RegisterOptions.Source, MLflow's model version source), and
// its description can change ([Registry.SetVersionDescription]).
//
// Lineage: each [Version] carries its RunID and DatasetDigest;
// [Registry.VersionsByRun] and [Registry.VersionsByDataset] go the other
// way, from a run or a data set to the versions made from it.
//
// # References and URIs
//
// Methods that read a version take a reference ([ParseRef]), in the
// grammar every cairn package shares: "v3" or "3", "latest" (the
// highest-numbered version that is not archived), "@champion" (an alias)
// or a prefix of the model bytes' digest ("sha256:1a2b3c", or "1a2b3c"
// when it holds a letter). [ParseURI] and [Registry.Resolve] read the URIs
// MLflow writes: models:/cancer/3, models:/cancer/latest and
// models:/cancer@champion; [URI] writes them. What does not parse is an
// error wrapping [ErrBadRef] (a [*ParseError] saying why), never a guess: a
// bare "champion" is refused with a hint to write "@champion", and
// MLflow's stages (models:/cancer/Production) with a hint to use an alias.
//
// # Names
//
// Model names are 1 to 256 bytes of printable UTF-8, with no '/' or '@'
// (the URI separators), no space at either end, and not "." or ".." (no
// URL could reach their pages). Alias names are 1 to
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
// another process are found by polling the file (Options.PollInterval,
// 20 ms by default): a median of about 11 ms across processes.
//
// # Storage
//
// The registry keeps its records in the storage core's records store: by
// default one bbolt file, whose buckets are all named "registry/...", so
// track's runs (and tune's studies) can live in the same file. Any number
// of Registry values, in one process or many, may open the same file with
// the default options: each opens the file for a session of calls and
// lets go as soon as another process waits for it (see the storage core,
// internal/kv/boltkv), so a server following an alias never locks out the
// pipeline that moves it. A call that finds the file busy waits up to
// Options.Timeout and then fails with [ErrLocked]. A damaged file is an
// error wrapping [ErrCorrupt], never a crash: a server keeps serving the
// version it has and reports the error.
//
// Model bytes are content-addressed (named by their SHA-256 digest,
// "sha256:<hex>") and kept, by default, in the bucket registry/blobs of
// the same file: models here are small (a logistic regression is a few
// KB), and keeping them inside means the version record and its bytes
// commit in one transaction, one file holds the whole registry (copy it to
// back up), and a version's bytes are read in the same transaction that
// resolves its alias. For large models, or to share one blob store with
// track's artifacts and dataset's files as the pipeline does, set
// Options.Blobs to a folder: the bytes go to <folder>/objects/, put there
// before the record commits, and [Registry.GC] deletes those no version
// (and nothing else sharing the folder) refers to. Either way, Load
// hashes the bytes it returns and reports a mismatch as [ErrCorrupt].
//
// The embedded engine is the product: one machine, no server. A team that
// wants many machines to register and serve from one registry switches
// engines by location, without changing code: the same records in
// PostgreSQL and the same blobs in an S3-compatible bucket (see the module
// README, "For a team").
//
// # Performance
//
// On bbolt, a Get of "@champion" takes a few microseconds, a SetAlias
// about 0.3 ms (its fsyncs), and a move reaches a Watch in another
// process in about 13 ms (median, default PollInterval). The figures, their
// history and the commands that reproduce them are in the package's
// README.md:
//
//	go test -run '^$' -bench . ./registry/
//
// # Errors
//
// Errors wrap the package's sentinels ([ErrNotFound], [ErrExists],
// [ErrInvalid], [ErrBadRef], [ErrAliasInUse], [ErrArchived],
// [ErrNoRollback], [ErrCorrupt], [ErrLocked], [ErrClosed]);
// check them with errors.Is. Bad input is an error, never a panic.
package registry
