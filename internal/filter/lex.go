package filter

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/internal/perr"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tName           // a letter or _, then letters, digits and _ . - /
	tString         // '...' or "..."
	tQuoted         // `...`
	tNumber         // [+-] digits and dots [e [+-] digits]
	tOp             // = != <> < <= > >=
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string // the name, operator, number, or the quoted text
	pos  int    // byte offset in the input
	end  int    // byte offset just after the token
	dq   bool   // a string in double quotes
}

// describe names a token for an error, quoting at most perr.MaxQuote
// bytes of it.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the input"
	case tString:
		return "string " + quoteString(perr.Clip(t.text))
	case tQuoted:
		return "`" + perr.Clip(t.text) + "`"
	}
	return perr.Quote(t.text)
}

// lex splits p.in into p.toks, ending with a tEOF token.
func (p *parser[C]) lex() error {
	in := p.in
	for i := 0; i < len(in); {
		r, size := utf8.DecodeRuneInString(in[i:])
		if r == utf8.RuneError && size == 1 {
			return p.errAt(i, "invalid UTF-8")
		}
		i += size
	}
	// About one token in four bytes, and the end.
	toks := make([]token, 0, min(len(in)/4, 32)+1)
	for i := 0; i < len(in); {
		r, size := utf8.DecodeRuneInString(in[i:])
		start := i
		switch {
		case unicode.IsSpace(r):
			i += size
		case isNameStart(r):
			for i < len(in) {
				r, size := utf8.DecodeRuneInString(in[i:])
				if !isNameRune(r) {
					break
				}
				i += size
			}
			toks = append(toks, token{kind: tName, text: in[start:i], pos: start, end: i})
		case r == '\'' || r == '"' || r == '`':
			text, end, ok := unquote(in, i, byte(r))
			if !ok {
				return p.errAt(start, "unterminated %c quote", r)
			}
			i = end
			kind := tString
			if r == '`' {
				kind = tQuoted
			}
			toks = append(toks, token{kind: kind, text: text, pos: start, end: i, dq: r == '"'})
		case isDigit(in[i]) || r == '.' || (r == '-' || r == '+') && i+1 < len(in) && (isDigit(in[i+1]) || in[i+1] == '.'):
			if r == '-' || r == '+' {
				i++
			}
			for i < len(in) && (isDigit(in[i]) || in[i] == '.') {
				i++
			}
			if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
				i++
				if i < len(in) && (in[i] == '+' || in[i] == '-') {
					i++
				}
				for i < len(in) && isDigit(in[i]) {
					i++
				}
			}
			toks = append(toks, token{kind: tNumber, text: in[start:i], pos: start, end: i})
		case r == '(' || r == ')' || r == ',':
			kind := tComma
			if r == '(' {
				kind = tLParen
			} else if r == ')' {
				kind = tRParen
			}
			i++
			toks = append(toks, token{kind: kind, text: in[start:i], pos: start, end: i})
		case r == '=' || r == '<' || r == '>' || r == '!':
			i++
			if i < len(in) && (in[i] == '=' || r == '<' && in[i] == '>') {
				i++
			}
			if i-start == 1 && r == '!' {
				return p.errAt(start, "unexpected character '!' (did you mean !=?)")
			}
			toks = append(toks, token{kind: tOp, text: in[start:i], pos: start, end: i})
		default:
			return p.errAt(start, "unexpected character %s", strconv.QuoteRune(r))
		}
	}
	p.toks = append(toks, token{kind: tEOF, pos: len(in), end: len(in)})
	return nil
}

// unquote reads the quoted text that starts at in[i] (the quote q) and
// returns it, with each doubled quote inside as one, and the offset just
// after the closing quote; ok is false if the quote is not closed. Text
// without a doubled quote is a slice of in.
func unquote(in string, i int, q byte) (text string, end int, ok bool) {
	i++
	j := strings.IndexByte(in[i:], q)
	if j < 0 {
		return "", 0, false
	}
	if i+j+1 >= len(in) || in[i+j+1] != q {
		return in[i : i+j], i + j + 1, true
	}
	var b strings.Builder
	for {
		b.WriteString(in[i : i+j+1]) // the text and one quote
		i += j + 2
		if j = strings.IndexByte(in[i:], q); j < 0 {
			return "", 0, false
		}
		if i+j+1 >= len(in) || in[i+j+1] != q {
			b.WriteString(in[i : i+j])
			return b.String(), i + j + 1, true
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
