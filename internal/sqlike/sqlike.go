// Package sqlike matches strings against SQL LIKE patterns, as the
// search filters of track and of the MLflow REST layer use them.
package sqlike

import (
	"strings"
	"unicode/utf8"
)

// Match matches s against an SQL LIKE pattern: % is any run of
// characters, _ any one character; fold makes it case-insensitive
// (ILIKE). It backtracks only to the last %, so it runs in
// O(len(s)*len(pattern)) time at worst.
func Match(s, pattern string, fold bool) bool {
	if fold {
		s, pattern = strings.ToLower(s), strings.ToLower(pattern)
	}
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(pattern) {
			switch pc := pattern[pi]; {
			case pc == '%':
				starP, starS = pi, si
				pi++
				continue
			case pc == '_':
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				pi++
				continue
			default:
				_, n := utf8.DecodeRuneInString(pattern[pi:])
				if si+n <= len(s) && s[si:si+n] == pattern[pi:pi+n] {
					si += n
					pi += n
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		si, pi = starS, starP+1
	}
	for pi < len(pattern) && pattern[pi] == '%' {
		pi++
	}
	return pi == len(pattern)
}

// Prefix returns the literal text before the first wildcard of a LIKE
// pattern.
func Prefix(pattern string) string {
	if i := strings.IndexAny(pattern, "%_"); i >= 0 {
		return pattern[:i]
	}
	return pattern
}
