// Package dataset holds labelled data in memory and versions data files by
// content hash.
//
// # Data in memory
//
// A [Dataset] is a table: feature names, class names, a matrix X with one row
// per sample, and Y, the class of each row as an index into Classes. It is a
// plain struct; [Dataset.Validate] says whether its fields agree. Data comes
// from [ReadCSV], which names the line and column of anything it cannot read,
// or from [BreastCancer], the Breast Cancer Wisconsin (Diagnostic) set
// embedded in the package (569 rows, 30 features, classes "malignant" = 0 and
// "benign" = 1, as scikit-learn codes them). ReadCSV reads numbers as
// ReadTable does (below) and, unless [CSVOptions].Classes fixes them, sorts
// the classes as scikit-learn's LabelEncoder does (numerically when every
// label is a number, else by bytes), so for two classes Classes[1], label
// 1, is the positive class of linear's binary metrics, as for a
// scikit-learn user.
//
// # Typed tables
//
// Real tables hold text and missing values. [ReadTable] reads one into a
// [Table]: each feature [Column] is a Number column or a Text column,
// inferred as pandas infers it (a column is numbers when every cell that is
// not missing is one) or fixed by [TableOptions].Types. Cells are read as
// pandas' read_csv reads them by default, so that a scikit-learn user gets
// the same table: these strings are missing values,
//
//	"" #N/A "#N/A N/A" #NA -1.#IND -1.#QNAN -NaN -nan 1.#IND 1.#QNAN
//	<NA> N/A NA NULL NaN None n/a nan null
//
// (pandas 2's list; 1.5 lacks None), and numbers are C's ("39.1", "1e5",
// ".5", "inf", spaces around allowed; not Go's "1_000" or "0x1p3"). Table.X
// holds a row per sample: a Number column its values, a Text column the
// index of each value in the column's sorted Levels, and NaN for a missing
// cell. That matrix is what linear.Fit takes with Config.Inputs, which
// imputes, one-hot encodes and scales inside the model. The target may be
// numbers or text; its Classes are sorted as scikit-learn sorts them
// (numbers numerically), so for two classes Classes[1] is the positive
// class. [Penguins] is the Palmer penguins, embedded (344 rows, 3 species,
// text and missing values).
//
// # Splits
//
// [StratifiedSplit] and [StratifiedKFold] work on labels alone and return row
// indices, so other packages can use them on their own matrices;
// [Dataset.Split] and [Dataset.KFold] are the same on a Dataset. Both keep
// each class within one row of its share in every part, and both are
// deterministic for a seed: they draw from math/rand/v2's PCG seeded with
// (seed, 0), so a split is the same on every platform and Go version.
// [Dataset.Subset] copies chosen rows into a new Dataset.
//
// # Digests
//
// [Dataset.Digest] is the SHA-256 of a documented canonical encoding of a
// data set (names, shape, little-endian float64 bits, labels), printed as
// "sha256:<hex>". Two data sets with the same digest hold the same values
// bit for bit; a run or a model that records the digest records exactly
// which data it saw.
//
// # Versions
//
// A [Repo] versions data files by content hash, as DVC does, as a library.
// [Open] opens (or creates) a repository in a folder; [Repo.Commit] records
// a file or a folder tree as the next version (v1, v2, ...) of a named data
// set. Every file is hashed with SHA-256 and stored once, under
// objects/<hex[0:2]>/<hex[2:]>, whatever the number of versions or data sets
// that hold it. A version's manifest lists each file's relative path, size,
// permission bits and hash in a canonical text form; it is stored as an
// object too, and its hash is the version's ID. Committing content equal to
// the newest version adds no version, and [CommitResult].Unchanged says so.
//
// [Repo.Versions] lists a data set's versions; [Repo.Resolve] turns a
// reference, in the grammar every cairn package shares ("latest", "v3" or
// "3", or a digest prefix: "sha256:1a2b" or, with a letter a-f, "1a2b3c")
// into a [Version] (a number, a digest, a creation time). [Repo.Checkout]
// writes a version to a new folder (or file), [Repo.FS] reads one in place
// as an fs.FS, [Repo.Files] lists its files and [Repo.Diff] compares two.
// [Repo.Verify] re-hashes every object the versions refer to and reports
// the missing and corrupt ones; [Repo.GC] removes objects nothing refers
// to. [Repo.Push] and [Repo.Pull] copy versions to and from a remote, a
// blob store named by its location as DVC names its remotes (a folder, or
// s3://bucket/prefix?endpoint=...&region=... with credentials from the
// standard AWS chain); only the objects the other side lacks travel, and
// each is verified by hash on arrival.
//
// # For a team
//
// A repository is one machine's by default. To share versions, give every
// machine the same [Options].Index, a PostgreSQL location, and the same
// [Options].Blobs, an S3 location:
//
//	r, err := dataset.OpenWith("data", dataset.Options{
//		Index: "postgres://cairn@db.internal/ml?schema=cairn",
//		Blobs: "s3://ml-bucket/cairn?region=eu-west-1",
//	})
//
// A version committed on one machine is then resolved, listed and checked
// out on every other, and version numbers stay unique however many
// machines commit at once (the index's transactions are serializable and
// retried on conflict). The hash cache describes this machine's files, so
// it stays in the local folder's index.db. Without Blobs, a shared index
// keeps the objects in its own database: fine for small data, but move to
// S3 before the data sets grow past a few hundred megabytes. The blob
// location is recorded without its password; passwords are never printed.
//
// Names are 1 to 128 ASCII letters, digits, '.', '_' or '-', starting with
// a letter or digit. Every byte read back from objects/ is checked against
// its hash (Checkout and FS while copying or reading; a mismatch wraps
// [ErrCorrupt]).
//
// # Layout and crash safety
//
// A repository folder holds index.db, the index: names, versions, the
// hash cache and the objects the versions refer to, in the storage core's
// records store (one bbolt file, "dataset/..." buckets). The objects (file
// contents and manifests, named by hash, read-only) are in a blob store:
// by default the repository folder's own objects/, or the folder named by
// [Options].Blobs, whose objects/ track's artifacts and the registry's
// model bytes may share (the pipeline does: one work folder, one
// objects/). The repository records where its objects are and refuses to
// be opened with another blob location.
//
// A commit writes each new object into a private folder objects/.stage-*
// (on Linux, small objects as unnamed O_TMPFILE files, held open); when
// all are there it makes them durable, names them under objects/ (a
// rename, or a linkat(2) of an unnamed file), makes the new names
// durable, and only then records the version, and its references to its
// objects, in one index transaction, durable before Commit returns. A
// commit of many small files names them in batches of up to 8,192 (fewer
// if the open file limit is low), each made durable first, which bounds
// the files it holds open. Objects are never rewritten in place. A crash
// at any point therefore leaves every earlier version intact and
// readable: what can be left behind is a staging folder and objects that
// no version refers to, both of which GC removes. The test suite kills a
// committing process with SIGKILL at each of these steps (and at random
// moments) and then checks Verify, every earlier version and a new commit
// (crash_internal_test.go). A SIGKILL does not lose the page cache; the
// order of fsyncs above is what protects against power loss, which the
// tests cannot simulate.
//
// A commit (and a pull) holds the blob store's collection lock, shared,
// from its first object to the commit of its version; a GC holds it
// exclusively. So a GC, this repository's or that of anything sharing the
// blob store, never takes an object a commit in flight is about to refer
// to, and it deletes only what no holder of the store (this repository's
// references, track's artifacts, the registry's versions) refers to. A
// damaged index is an error wrapping [ErrCorrupt], never a new, empty
// repository, and no GC deletes anything while any holder's index cannot
// be read.
//
// Several Repos, in one process or many, may open one repository at once
// with the default options: the index is opened for a session of calls and
// let go as soon as another process waits for it.
//
// Durability is batched: a commit that reads more than 16 files does not
// fsync each small object but calls syncfs(2) once on Linux before
// naming the objects and once after (and once more per early batch;
// objects of 1 MiB or more are fsynced one by one, which overlaps their
// write-back with the hashing of other files). On other systems each
// object and each touched folder is fsynced.
//
// # Hash cache
//
// Like DVC's state database, the index keeps, for each file committed, its
// absolute path, size, mtime, ctime, inode, device and hash. A later commit
// trusts the cached hash, and does not open the file, when all of these
// match what lstat (or stat, through a link) returns now. ctime and the
// device are in the key because tools that restore an mtime (cp -p, rsync -t,
// tar) cannot restore a ctime.
//
// A file modified within the same tick of the file system's clock as the
// moment it was hashed can keep every one of those fields (timestamps are
// coarse: 1 or 2 s on some file systems, a kernel tick even on nanosecond
// ones). So an entry is trusted only if the file's mtime and ctime are more
// than 2 s older than the moment Commit stat'ed the file for hashing;
// otherwise the file is read again at the next commit, and the entry then
// written is trusted from then on. This is git's "racy clean" rule with a
// fixed margin; it assumes that the file system's clock and this machine's
// clock agree to within a second or so (a network file system with a skewed
// server clock may not; set [Options].NoHashCache there). A file that changes
// while Commit reads it fails the commit with [ErrChanged]. Entries of files
// that disappeared from a committed folder are dropped at its next commit.
//
// # Symbolic links and paths
//
// A symbolic link inside a committed tree is followed when it leads, through
// any number of links, to a regular file inside the same tree: the version
// records the link's path with the target's content and mode, and Checkout
// writes a regular file there (as cp -L would). A link that leads outside the
// tree is an error wrapping [ErrBadPath]; one that leads to a folder, or
// nowhere, wraps [ErrNotRegular], as do devices, sockets and pipes. Empty
// folders are not recorded. The path given to Commit may itself be a link.
// Manifest paths are relative, slash-separated and cleaned (no "..", no
// leading slash); the manifest decoder rejects anything else, and Checkout
// creates files through an os.Root in a fresh temporary folder, so a
// manifest cannot make it write outside its destination.
//
// # Performance
//
// A first commit of 1 GiB takes about 1.6 s here, of 20,000 small files
// about 1.2 s; an unchanged re-commit costs a fraction of a percent of
// the first (the hash cache). The tables, their history and the commands
// are in the package's README.md:
//
//	go test -run '^$' -bench 'Commit|Recommit' -benchtime 3x ./dataset/
//
// ReadTable reads a large file in two halves at once: a 166 MB table of
// 1,000,000 rows, read and then encoded by linear.FitTransform, takes about
// a quarter of the time of pandas' read_csv and scikit-learn's
// ColumnTransformer (linear's README has the figures and the commands,
// BenchmarkReadEncode1M).
//
// # Errors
//
// Bad input is an error, never a panic. ReadCSV returns a *[ParseError]
// with the line and column; every error wraps one of the package's
// sentinels (ErrRagged, ErrNotNumber, ErrBadSplit, ErrNotFound,
// ErrCorrupt, ...), to be checked with errors.Is.
package dataset
