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
// # Errors
//
// Bad input is an error, never a panic. ReadCSV returns a *[ParseError]
// with the line and column; every error wraps one of the package's
// sentinels (ErrRagged, ErrNotNumber, ErrBadSplit, ...), to be checked with
// errors.Is.
package dataset
