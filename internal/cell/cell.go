// Package cell reads the text of one table cell as pandas' read_csv reads
// it by default: the strings that mark a missing value, and the syntax of
// a number. dataset's typed table reader and serve's CSV input share it,
// so that a value means the same thing when a model is trained and when
// it is served.
package cell

import (
	"math"
	"strconv"
)

// Missing lists the strings read as a missing value: pandas' default
// na_values (pandas 2; pandas 1.5 lacks "None"). The match is exact: case
// and surrounding spaces count.
var Missing = [...]string{"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
	"1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}

// IsMissing reports whether s is one of the strings in Missing.
func IsMissing[T ~string | ~[]byte](s T) bool {
	switch string(s) {
	case "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
		"1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null":
		return true
	}
	return false
}

// isSpace is C's isspace in the "C" locale, what pandas skips around a
// number.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// pow10 holds the powers of ten that are exact in float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// ParseFloat reads s as a number in the syntax pandas' read_csv accepts:
// optional white space, an optional sign, digits with an optional
// decimal point (or a point and digits: "1.", ".5"), an optional exponent
// ("e" or "E", an optional sign, digits), optional white space; or
// "inf" or "infinity" in any case, with an optional sign. It reports
// false for anything else, Go's own syntax included ("1_000", "0x1p3"),
// and for a finite number too large for float64 (pandas then reads the
// column as text). The value is the correctly rounded float64.
func ParseFloat[T ~string | ~[]byte](s T) (float64, bool) {
	i, n := 0, len(s)
	for i < n && isSpace(s[i]) {
		i++
	}
	for n > i && isSpace(s[n-1]) {
		n--
	}
	if i == n {
		return 0, false
	}
	return parse(s, i, n)
}

// parse reads s[i:n], trimmed and not empty.
func parse[T ~string | ~[]byte](s T, i, n int) (float64, bool) {
	t := s[i:n]
	// The common case: at most 19 digits, no exponent, a mantissa below
	// 2^53, so one exact division gives the correctly rounded value
	// (Clinger's fast path, the one strconv takes for these).
	j := 0
	neg := false
	if t[0] == '-' || t[0] == '+' {
		neg = t[0] == '-'
		j++
	}
	var mant uint64
	digits, frac := 0, 0
	for ; j < len(t) && '0' <= t[j] && t[j] <= '9'; j++ {
		mant = mant*10 + uint64(t[j]-'0')
		digits++
	}
	if j < len(t) && t[j] == '.' {
		j++
		for ; j < len(t) && '0' <= t[j] && t[j] <= '9'; j++ {
			mant = mant*10 + uint64(t[j]-'0')
			frac++
		}
	}
	if digits+frac == 0 {
		return infinity(string(t))
	}
	if j == len(t) {
		if digits+frac <= 19 && mant < 1<<53 {
			f := float64(mant) / pow10[frac]
			if neg {
				f = -f
			}
			return f, true
		}
		return slow(string(t))
	}
	if t[j] != 'e' && t[j] != 'E' {
		return 0, false
	}
	j++
	if j < len(t) && (t[j] == '+' || t[j] == '-') {
		j++
	}
	if j == len(t) {
		return 0, false
	}
	for ; j < len(t); j++ {
		if t[j] < '0' || t[j] > '9' {
			return 0, false
		}
	}
	return slow(string(t))
}

// slow converts t, already checked against the grammar, with strconv.
func slow(t string) (float64, bool) {
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// infinity reads "inf" and "infinity" in any case, with an optional sign.
func infinity(t string) (float64, bool) {
	sign := 1.0
	if t[0] == '-' || t[0] == '+' {
		if t[0] == '-' {
			sign = -1
		}
		t = t[1:]
	}
	if len(t) != 3 && len(t) != 8 {
		return 0, false
	}
	const word = "infinity"
	for k := range len(t) {
		if t[k]|0x20 != word[k] {
			return 0, false
		}
	}
	return math.Inf(int(sign)), true
}
