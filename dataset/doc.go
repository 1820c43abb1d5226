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
// "benign" = 1, as scikit-learn codes them).
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
// reference ("latest", "v3", or a digest prefix of 4 hex digits or more)
// into a [Version]. [Repo.Checkout] writes a version to a new folder (or
// file), [Repo.FS] reads one in place as an fs.FS, [Repo.Files] lists its
// files and [Repo.Diff] compares two. [Repo.Verify] re-hashes every object
// and reports the missing and corrupt ones; [Repo.GC] removes objects that no
// version refers to. [Repo.Push] and [Repo.Pull] copy versions to and from
// a [Remote], a three-call interface (Has, Put, Get by digest) that
// [DirRemote] implements on a folder; only the objects the other side lacks
// travel, and each is verified by hash on arrival.
//
// Names are 1 to 128 ASCII letters, digits, '.', '_' or '-', starting with
// a letter or digit. Every byte read back from objects/ is checked against
// its hash (Checkout and FS while copying or reading; a mismatch wraps
// [ErrCorrupt]).
//
// # Layout and crash safety
//
// A repository folder holds:
//
//	index.db    bbolt: names, versions and the hash cache ("dataset/..." buckets)
//	objects/    file contents and manifests, named by hash, read-only
//	tmp/        objects being written by a commit or pull in progress
//	lock        Shared mode only: keeps GC and other processes' commits apart
//
// A commit writes each new object into a private folder under tmp/; when all
// are there it makes them durable, renames them into objects/, makes the
// renames durable, and only then records the version in one bbolt
// transaction, which is fsynced before Commit returns. Objects are never
// rewritten in place. A crash at any point therefore leaves every earlier
// version intact and readable: what can be left behind is a folder in tmp/
// and objects that no version refers to, both of which GC removes. The test
// suite kills a committing process with SIGKILL at each of these steps (and
// at random moments) and then checks Verify, every earlier version and a
// new commit (crash_test.go). A SIGKILL does not lose the page cache; the
// order of fsyncs above is what protects against power loss, which the
// tests cannot simulate.
//
// The index is a bbolt file rather than JSON files because one transaction
// updates the version list and the hash cache together, atomically, with
// bbolt's checksummed meta pages deciding after a crash which state is
// current; the hash cache alone holds one entry per file ever committed,
// which a JSON file would have to rewrite whole on every commit. The cost is
// bbolt's file lock: outside Shared mode one process at a time opens a
// repository (see [Options].Shared).
//
// Durability is batched: a commit that reads more than 16 files does not
// fsync each small object but calls syncfs(2) once on Linux before the
// renames and once after (objects of 1 MiB or more are fsynced one by one,
// which overlaps their write-back with the hashing of other files). On other
// systems each object and each touched folder is fsynced.
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
// # Errors
//
// Bad input is an error, never a panic. ReadCSV returns a *[ParseError]
// with the line and column; every error wraps one of the package's
// sentinels (ErrRagged, ErrNotNumber, ErrBadSplit, ErrNotFound,
// ErrCorrupt, ...), to be checked with errors.Is.
package dataset
