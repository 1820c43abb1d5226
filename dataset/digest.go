package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// digestMagic opens the canonical encoding hashed by Digest; it changes only
// if the encoding does.
const digestMagic = "cairn.dataset.v1\n"

// canonicalNaN is the one NaN bit pattern that Digest hashes, so that all
// NaNs digest alike.
const canonicalNaN uint64 = 0x7ff8000000000001

// Digest returns "sha256:" followed by the lower-case hex SHA-256 of the
// canonical encoding of d, so that the same data gives the same digest on
// every platform and Go version. The encoding is, in order:
//
//   - the 17 bytes "cairn.dataset.v1\n";
//   - the number of feature names, then each name, as a string;
//   - the number of class names, then each name, as a string;
//   - the number of rows and of columns, each as a uint64;
//   - X in row-major order, each value as the little-endian IEEE-754 bits
//     of the float64 (every NaN as 0x7ff8000000000001; -0 stays -0);
//   - each label of Y as a little-endian int64.
//
// A count is a little-endian uint64; a string is its byte length as a
// uint64 followed by its UTF-8 bytes. Digest hashes what is there without
// validating it; a nil X counts as 0 x 0.
func (d *Dataset) Digest() string {
	h := sha256.New()
	var buf [8]byte
	putU64 := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	putStrings := func(ss []string) {
		putU64(uint64(len(ss)))
		for _, s := range ss {
			putU64(uint64(len(s)))
			h.Write([]byte(s))
		}
	}
	h.Write([]byte(digestMagic))
	putStrings(d.Features)
	putStrings(d.Classes)
	var r, c int
	if d.X != nil && !d.X.IsEmpty() {
		r, c = d.X.Dims()
	}
	putU64(uint64(r))
	putU64(uint64(c))
	row := make([]byte, 8*c)
	for i := range r {
		for j, v := range d.X.RawRowView(i) {
			bits := math.Float64bits(v)
			if v != v {
				bits = canonicalNaN
			}
			binary.LittleEndian.PutUint64(row[8*j:], bits)
		}
		h.Write(row)
	}
	for _, y := range d.Y {
		putU64(uint64(int64(y)))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
