package serve

import (
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// lexer reads one JSON document from a byte slice, in place. It is a pull
// parser for the few shapes the decoders know; what they do not know they
// skip with skip, which still checks the syntax. The first syntax error
// stops it: err is set, and every method then reports failure.
//
// Numbers where a number is expected may also be NaN, Infinity or
// -Infinity (what Python's json module writes); they are read so that the
// decoders can report them as non-finite values rather than as bad JSON.
// Everywhere else the input must be RFC 8259 JSON.
type lexer struct {
	b   []byte
	i   int
	err *syntaxError
	tmp []byte // decoded strings that hold escapes

	// allowNonFinite lets skip accept NaN and the infinities as numbers,
	// for a value that is skipped now and decoded later.
	allowNonFinite bool
}

// syntaxError is malformed JSON at byte offset Off.
type syntaxError struct {
	Off int
	Msg string
}

// maxDepth bounds the nesting the lexer follows.
const maxDepth = 64

func (l *lexer) reset(b []byte) {
	l.b, l.i, l.err = b, 0, nil
}

func (l *lexer) fail(msg string) {
	if l.err == nil {
		l.err = &syntaxError{Off: l.i, Msg: msg}
	}
	l.i = len(l.b)
}

// unexpected reports the byte at the current offset (or the end of the
// input) where what was expected.
func (l *lexer) unexpected(what string) {
	if l.i >= len(l.b) {
		l.fail("unexpected end of input, expecting " + what)
		return
	}
	l.fail("invalid character " + quoteByte(l.b[l.i]) + ", expecting " + what)
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return "0x" + strconv.FormatUint(uint64(c), 16)
}

// peek skips white space and returns the next byte, or 0 at the end.
func (l *lexer) peek() byte {
	for l.i < len(l.b) {
		switch c := l.b[l.i]; c {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return c
		}
	}
	return 0
}

// eat consumes c if it is the next byte after white space.
func (l *lexer) eat(c byte) bool {
	if l.peek() == c && l.i < len(l.b) {
		l.i++
		return true
	}
	return false
}

// expect consumes c or fails.
func (l *lexer) expect(c byte, what string) bool {
	if l.eat(c) {
		return true
	}
	l.unexpected(what)
	return false
}

// end checks that only white space is left.
func (l *lexer) end() bool {
	if l.err != nil {
		return false
	}
	if l.peek() != 0 || l.i < len(l.b) {
		l.fail("invalid character " + quoteByte(l.b[l.i]) + " after the JSON value")
		return false
	}
	return true
}

// Iteration over arrays and objects. For an array:
//
//	if l.openArray() { for first := true; l.more(&first, ']'); { ...value... } }
//
// more consumes the separating comma or the closing bracket.

func (l *lexer) openArray() bool  { return l.expect('[', "'['") }
func (l *lexer) openObject() bool { return l.expect('{', "'{'") }

func (l *lexer) more(first *bool, closer byte) bool {
	if l.err != nil {
		return false
	}
	if l.eat(closer) {
		return false
	}
	if *first {
		*first = false
		return true
	}
	if l.eat(',') {
		if c := l.peek(); c == closer {
			l.fail("trailing comma")
			return false
		}
		return true
	}
	l.unexpected("',' or " + strconv.QuoteRune(rune(closer)))
	return false
}

// key reads an object key and its colon. The bytes are valid until the
// next call that decodes a string.
func (l *lexer) key() ([]byte, bool) {
	if l.peek() != '"' {
		l.unexpected("a string key")
		return nil, false
	}
	k, ok := l.str()
	if !ok || !l.expect(':', "':'") {
		return nil, false
	}
	return k, true
}

// str reads a string (the next byte is '"'). It returns the contents in
// place when they hold no escape, or decoded into l.tmp.
func (l *lexer) str() ([]byte, bool) {
	b := l.b
	i := l.i + 1
	start := i
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			l.i = i + 1
			return b[start:i], true
		case c == '\\':
			return l.strEscaped(start, i)
		case c < 0x20:
			l.i = i
			l.fail("control character in string")
			return nil, false
		}
		i++
	}
	l.i = len(b)
	l.fail("unexpected end of input in string")
	return nil, false
}

func (l *lexer) strEscaped(start, i int) ([]byte, bool) {
	b := l.b
	t := append(l.tmp[:0], b[start:i]...)
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			l.i = i + 1
			l.tmp = t
			return t, true
		case c < 0x20:
			l.i = i
			l.fail("control character in string")
			return nil, false
		case c != '\\':
			t = append(t, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			break
		}
		e := b[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			t = append(t, e)
		case 'b':
			t = append(t, '\b')
		case 'f':
			t = append(t, '\f')
		case 'n':
			t = append(t, '\n')
		case 'r':
			t = append(t, '\r')
		case 't':
			t = append(t, '\t')
		case 'u':
			r, ok := hex4(b, i)
			if !ok {
				l.i = i
				l.fail("bad \\u escape in string")
				return nil, false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(b, i+2); ok && b[i] == '\\' && b[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			t = utf8.AppendRune(t, r)
		default:
			l.i = i - 1
			l.fail("bad escape in string")
			return nil, false
		}
	}
	l.i = len(b)
	l.fail("unexpected end of input in string")
	return nil, false
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// kind of the next value, as the decoders care about it.
type kind uint8

const (
	kindEnd kind = iota // end of input or an error
	kindNumber
	kindString
	kindArray
	kindObject
	kindBool
	kindNull
	kindNonFinite // NaN, Infinity, -Infinity
	kindBad
)

func (l *lexer) kind() kind {
	if l.err != nil {
		return kindEnd
	}
	switch c := l.peek(); c {
	case 0:
		return kindEnd
	case '"':
		return kindString
	case '[':
		return kindArray
	case '{':
		return kindObject
	case 't', 'f':
		return kindBool
	case 'n':
		return kindNull
	case 'N', 'I':
		return kindNonFinite
	case '-':
		if l.i+1 < len(l.b) && l.b[l.i+1] == 'I' {
			return kindNonFinite
		}
		return kindNumber
	default:
		if '0' <= c && c <= '9' {
			return kindNumber
		}
		return kindBad
	}
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// number reads a JSON number (the next value is one: kindNumber). It
// returns ±Inf for a number too large for float64 (the decoders report
// that as non-finite) and rounds numbers too small to zero, as Python does.
//
// Most numbers a client writes have at most 15 significant digits and a
// small exponent; those are converted exactly with one multiplication or
// division (Clinger's fast path, the same one strconv takes). The others go
// through strconv.ParseFloat.
func (l *lexer) number() (float64, bool) {
	b := l.b
	i := l.i
	start := i
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	var mant uint64
	nd, exp := 0, 0 // significant digits kept, decimal exponent of mant
	trunc := false
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			if nd < 19 {
				mant = mant*10 + uint64(c)
				nd++
			} else {
				exp++
				trunc = trunc || c != 0
			}
		}
	default:
		l.i = i
		l.unexpected("a digit")
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			l.i = i
			l.unexpected("a digit after the decimal point")
			return 0, false
		}
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			if nd < 19 {
				mant = mant*10 + uint64(c)
				if mant != 0 {
					nd++
				}
				exp--
			} else {
				trunc = trunc || c != 0
			}
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			l.i = i
			l.unexpected("a digit in the exponent")
			return 0, false
		}
		e := 0
		for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
			if e < 100000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	l.i = i
	if !trunc && mant < 1<<53 && -22 <= exp && exp <= 22 {
		f := float64(mant)
		if exp >= 0 {
			f *= pow10[exp]
		} else {
			f /= pow10[-exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	if mant == 0 && !trunc {
		if neg {
			return math.Copysign(0, -1), true
		}
		return 0, true
	}
	f, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil && !math.IsInf(f, 0) && f != 0 {
		// ParseFloat only fails here with ErrRange, which gives ±Inf or
		// ±0; anything else is a bug in the scan above.
		l.fail("bad number")
		return 0, false
	}
	return f, true
}

// nonFinite reads NaN, Infinity or -Infinity.
func (l *lexer) nonFinite() (float64, bool) {
	for _, w := range [...]struct {
		s string
		f float64
	}{{"NaN", math.NaN()}, {"Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)}} {
		if l.literal(w.s) {
			return w.f, true
		}
	}
	l.unexpected("a value")
	return 0, false
}

// literal consumes s if the input continues with it.
func (l *lexer) literal(s string) bool {
	if len(l.b)-l.i >= len(s) && string(l.b[l.i:l.i+len(s)]) == s {
		l.i += len(s)
		return true
	}
	return false
}

// skip reads and discards one value of any kind, checking its syntax.
func (l *lexer) skip() bool { return l.skipDepth(0) }

func (l *lexer) skipDepth(depth int) bool {
	if depth > maxDepth {
		l.fail("nested too deeply")
		return false
	}
	switch l.kind() {
	case kindNumber:
		_, ok := l.number()
		return ok
	case kindString:
		_, ok := l.str()
		return ok
	case kindArray:
		l.i++
		for first := true; l.more(&first, ']'); {
			if !l.skipDepth(depth + 1) {
				return false
			}
		}
	case kindObject:
		l.i++
		for first := true; l.more(&first, '}'); {
			if _, ok := l.key(); !ok || !l.skipDepth(depth+1) {
				return false
			}
		}
	case kindBool:
		if !l.literal("true") && !l.literal("false") {
			l.unexpected("a value")
		}
	case kindNull:
		if !l.literal("null") {
			l.unexpected("a value")
		}
	case kindNonFinite:
		if !l.allowNonFinite {
			l.unexpected("a value")
			break
		}
		l.nonFinite()
	default:
		l.unexpected("a value")
	}
	return l.err == nil
}
