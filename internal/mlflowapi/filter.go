package mlflowapi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/internal/sqlike"
)

// The filter grammar of MLflow's experiment, registered-model and
// model-version searches, with OR and parentheses added as in track's
// run search. Keywords are case-insensitive.
//
//	filter     = [ or ]
//	or         = and { "OR" and }
//	and        = term { "AND" term }
//	term       = "(" or ")" | comparison
//	comparison = column op value
//	           | column ["NOT"] ("LIKE" | "ILIKE") string
//	           | column ["NOT"] "IN" "(" value { "," value } ")"
//	op         = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//	column     = attribute | ("attribute" | "attributes") "." attribute
//	           | ("tag" | "tags") "." key
//	key        = name | "`" any "`" | '"' any '"'
//	value      = number | "'" any "'"

// Kind is the type of an attribute a filter may name.
type Kind uint8

// The attribute kinds.
const (
	String Kind = iota + 1
	Number
)

// Column is what a filter term compares: a tag (Key is the tag's key) or
// an attribute (Key is its name, lower case).
type Column struct {
	Tag bool
	Key string
}

// Filter is a parsed filter. The zero value (and nil) match everything.
type Filter struct{ root fnode }

type fop uint8

const (
	fEq fop = iota + 1
	fNe
	fLt
	fLe
	fGt
	fGe
	fLike
	fILike
	fNotLike
	fNotILike
	fIn
	fNotIn
)

type fnode interface{}

type fAnd []fnode
type fOr []fnode

type fCmp struct {
	col  Column
	op   fop
	num  float64
	str  string
	list []string
	isN  bool // the column is numeric
}

// ParseFilter parses a filter over the attributes in attrs (by lower-case
// name) and, when tags is true, tags. Anything it cannot use is an
// INVALID_PARAMETER_VALUE *Error saying where.
func ParseFilter(in string, attrs map[string]Kind, tags bool) (*Filter, error) {
	toks, err := flex(in)
	if err != nil {
		return nil, err
	}
	p := &fparser{in: in, toks: toks, attrs: attrs, tags: tags}
	if p.peek().kind == tkEOF {
		return &Filter{}, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tkEOF {
		return nil, p.errAt(t, "expected AND, OR or the end of the filter")
	}
	return &Filter{root: n}, nil
}

// Match reports whether a record matches the filter; get returns the
// record's value of a column (a number as its decimal text for a Number
// attribute), with false when it has none. A record without the column
// compared matches no term on it, whatever the operator.
func (f *Filter) Match(get func(Column) (string, bool)) bool {
	if f == nil || f.root == nil {
		return true
	}
	return fmatch(f.root, get)
}

func fmatch(n fnode, get func(Column) (string, bool)) bool {
	switch n := n.(type) {
	case fAnd:
		for _, c := range n {
			if !fmatch(c, get) {
				return false
			}
		}
		return true
	case fOr:
		for _, c := range n {
			if fmatch(c, get) {
				return true
			}
		}
		return false
	case *fCmp:
		s, ok := get(n.col)
		if !ok {
			return false
		}
		if n.isN {
			v, err := strconv.ParseFloat(s, 64)
			return err == nil && cmpNum(n.op, v, n.num)
		}
		return cmpStr(n, s)
	}
	return false
}

func cmpNum(op fop, a, b float64) bool {
	switch op {
	case fEq:
		return a == b
	case fNe:
		return a != b
	case fLt:
		return a < b
	case fLe:
		return a <= b
	case fGt:
		return a > b
	case fGe:
		return a >= b
	}
	return false
}

func cmpStr(n *fCmp, s string) bool {
	switch n.op {
	case fLike, fILike:
		return sqlike.Match(s, n.str, n.op == fILike)
	case fNotLike, fNotILike:
		return !sqlike.Match(s, n.str, n.op == fNotILike)
	case fIn, fNotIn:
		found := false
		for _, x := range n.list {
			found = found || s == x
		}
		return found == (n.op == fIn)
	}
	return cmpNum(n.op, float64(strings.Compare(s, n.str)), 0)
}

// Lexing.

type tkind uint8

const (
	tkEOF tkind = iota
	tkName
	tkString // '...'
	tkQuoted // `...` or "..."
	tkNumber
	tkOp
	tkLParen
	tkRParen
	tkComma
)

type ftok struct {
	kind tkind
	text string
	pos  int // byte offset
	end  int
}

func filterErr(in string, pos int, format string, args ...any) error {
	col := utf8.RuneCountInString(in[:min(pos, len(in))]) + 1
	return Errorf(InvalidParameterValue, "Invalid filter %s at character %d: %s", perr.Quote(in), col, fmt.Sprintf(format, args...))
}

func flex(in string) ([]ftok, error) {
	var toks []ftok
	i := 0
	for i < len(in) {
		r, n := utf8.DecodeRuneInString(in[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return nil, filterErr(in, i, "invalid UTF-8")
		case unicode.IsSpace(r):
			i += n
		case r == '(' || r == ')' || r == ',':
			k := map[rune]tkind{'(': tkLParen, ')': tkRParen, ',': tkComma}[r]
			toks = append(toks, ftok{kind: k, text: string(r), pos: i, end: i + 1})
			i++
		case r == '\'' || r == '"' || r == '`':
			s, end, ok := unquote(in, i, byte(r))
			if !ok {
				return nil, filterErr(in, i, "unterminated quote")
			}
			k := tkQuoted
			if r == '\'' {
				k = tkString
			}
			toks = append(toks, ftok{kind: k, text: s, pos: i, end: end})
			i = end
		case strings.ContainsRune("=!<>", r):
			j := i + 1
			if j < len(in) && (in[j] == '=' || in[i] == '<' && in[j] == '>') {
				j++
			}
			op := in[i:j]
			if op == "!" {
				return nil, filterErr(in, i, "unknown operator \"!\"")
			}
			toks = append(toks, ftok{kind: tkOp, text: op, pos: i, end: j})
			i = j
		case r == '-' || r == '+' || r == '.' || unicode.IsDigit(r):
			j := i + 1
			for j < len(in) && (in[j] >= '0' && in[j] <= '9' || strings.IndexByte(".eE+-", in[j]) >= 0) {
				j++
			}
			toks = append(toks, ftok{kind: tkNumber, text: in[i:j], pos: i, end: j})
			i = j
		case r == '_' || unicode.IsLetter(r):
			j := i + n
			for j < len(in) {
				r2, n2 := utf8.DecodeRuneInString(in[j:])
				if r2 != '_' && r2 != '.' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
					break
				}
				j += n2
			}
			toks = append(toks, ftok{kind: tkName, text: in[i:j], pos: i, end: j})
			i = j
		default:
			return nil, filterErr(in, i, "unexpected %q", r)
		}
	}
	return append(toks, ftok{kind: tkEOF, pos: len(in), end: len(in)}), nil
}

// unquote reads a quoted token starting at in[i] (the quote q); a doubled
// quote inside stands for itself.
func unquote(in string, i int, q byte) (string, int, bool) {
	var b strings.Builder
	for j := i + 1; j < len(in); j++ {
		if in[j] != q {
			b.WriteByte(in[j])
			continue
		}
		if j+1 < len(in) && in[j+1] == q {
			b.WriteByte(q)
			j++
			continue
		}
		return b.String(), j + 1, true
	}
	return "", 0, false
}

// Parsing.

type fparser struct {
	in    string
	toks  []ftok
	i     int
	attrs map[string]Kind
	tags  bool
	depth int
}

func (p *fparser) peek() ftok { return p.toks[p.i] }

func (p *fparser) next() ftok {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *fparser) errAt(t ftok, format string, args ...any) error {
	found := "the end of the filter"
	if t.kind != tkEOF {
		found = perr.Quote(p.in[t.pos:t.end])
	}
	return filterErr(p.in, t.pos, format+", found %s", append(args, found)...)
}

func isKw(t ftok, kw string) bool { return t.kind == tkName && strings.EqualFold(t.text, kw) }

func (p *fparser) or() (fnode, error) {
	var out fOr
	for {
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if !isKw(p.peek(), "OR") {
			break
		}
		p.next()
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

func (p *fparser) and() (fnode, error) {
	var out fAnd
	for {
		n, err := p.term()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if !isKw(p.peek(), "AND") {
			break
		}
		p.next()
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

func (p *fparser) term() (fnode, error) {
	if p.peek().kind != tkLParen {
		return p.comparison()
	}
	t := p.next()
	if p.depth++; p.depth > 100 {
		return nil, p.errAt(t, "parentheses nest too deep")
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	p.depth--
	if t := p.next(); t.kind != tkRParen {
		return nil, p.errAt(t, "expected \")\"")
	}
	return n, nil
}

func (p *fparser) column() (Column, Kind, error) {
	t := p.next()
	if t.kind != tkName {
		return Column{}, 0, p.errAt(t, "expected a column")
	}
	prefix, key, dot := strings.Cut(t.text, ".")
	kind := strings.ToLower(prefix)
	if dot && key == "" && (kind == "tag" || kind == "tags" || kind == "attribute" || kind == "attributes") {
		q := p.peek()
		if q.kind != tkQuoted || q.pos != t.end {
			return Column{}, 0, p.errAt(q, "expected a key after %q", t.text)
		}
		p.next()
		key = q.text
	}
	switch {
	case dot && (kind == "tag" || kind == "tags"):
		if !p.tags {
			return Column{}, 0, filterErr(p.in, t.pos, "this search has no tags")
		}
		if key == "" {
			return Column{}, 0, filterErr(p.in, t.pos, "empty tag key")
		}
		return Column{Tag: true, Key: key}, String, nil
	case dot && (kind == "attribute" || kind == "attributes"):
	default:
		key = t.text
	}
	k, ok := p.attrs[strings.ToLower(key)]
	if !ok {
		return Column{}, 0, filterErr(p.in, t.pos, "unknown column %s; use %s", perr.Quote(key), p.columns())
	}
	return Column{Key: strings.ToLower(key)}, k, nil
}

func (p *fparser) columns() string {
	var names []string
	for n := range p.attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	if p.tags {
		names = append(names, "tags.<key>")
	}
	return strings.Join(names, ", ")
}

func (p *fparser) comparison() (fnode, error) {
	col, kind, err := p.column()
	if err != nil {
		return nil, err
	}
	n := &fCmp{col: col, isN: kind == Number}
	t := p.next()
	switch {
	case t.kind == tkOp:
		n.op = map[string]fop{"=": fEq, "!=": fNe, "<>": fNe, "<": fLt, "<=": fLe, ">": fGt, ">=": fGe}[t.text]
		if n.op == 0 {
			return nil, p.errAt(t, "unknown operator")
		}
	case isKw(t, "LIKE"):
		n.op = fLike
	case isKw(t, "ILIKE"):
		n.op = fILike
	case isKw(t, "IN"):
		n.op = fIn
	case isKw(t, "NOT"):
		t2 := p.next()
		switch {
		case isKw(t2, "LIKE"):
			n.op = fNotLike
		case isKw(t2, "ILIKE"):
			n.op = fNotILike
		case isKw(t2, "IN"):
			n.op = fNotIn
		default:
			return nil, p.errAt(t2, "expected LIKE, ILIKE or IN after NOT")
		}
	default:
		return nil, p.errAt(t, "expected a comparison operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN)")
	}
	if n.isN && n.op > fGe {
		return nil, p.errAt(t, "%s is a number: use =, !=, <, <=, > or >=", col.Key)
	}
	if n.op == fIn || n.op == fNotIn {
		if t := p.next(); t.kind != tkLParen {
			return nil, p.errAt(t, "expected \"(\"")
		}
		for {
			v := p.next()
			if v.kind != tkString {
				return nil, p.errAt(v, "expected a quoted value such as 'x'")
			}
			n.list = append(n.list, v.text)
			t := p.next()
			if t.kind == tkRParen {
				return n, nil
			}
			if t.kind != tkComma {
				return nil, p.errAt(t, "expected \",\" or \")\"")
			}
		}
	}
	v := p.next()
	if n.isN {
		f, err := strconv.ParseFloat(v.text, 64)
		if v.kind != tkNumber || err != nil {
			return nil, p.errAt(v, "%s is a number: expected a number", col.Key)
		}
		n.num = f
		return n, nil
	}
	if v.kind != tkString {
		return nil, p.errAt(v, "expected a quoted value such as 'x'")
	}
	n.str = v.text
	return n, nil
}
