package filter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/internal/perr"
)

// MaxDepth is how deep parentheses may nest in a filter.
const MaxDepth = 100

// Columns is a search's vocabulary: which columns a filter or order key
// may name, what each holds, and how its errors read. The zero value is
// not usable: Resolve is required.
type Columns[C Column] struct {
	// Resolve returns the column written as prefix.key (prefix as
	// written, "metrics" in metrics.f1; key unquoted) or, with prefix
	// "", as the bare name key, and what it holds; or an error whose
	// text says why there is no such column. Its text is reported at the
	// column's position as it is, so it should quote the input with
	// perr.Quote.
	Resolve func(prefix, key string) (C, Kind, error)
	// Hint lists the columns for the error where something else stands
	// in a column's place: "expected a column (Hint), found ...". Empty
	// means no list.
	Hint string
	// Err is the sentinel every error's Err wraps (track.ErrBadQuery);
	// nil means none.
	Err error
}

// Parse parses a filter over the columns of cols. The empty (or blank)
// filter gives a nil Node. Anything else that does not parse, or names a
// column in a way cols does not allow, is a *perr.ParseError whose Column
// is where the problem starts (in characters, from 1) and whose Err wraps
// cols.Err.
func Parse[C Column](in string, cols Columns[C]) (Node[C], error) {
	p := &parser[C]{in: in, cols: cols}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if p.peek().kind == tEOF {
		return nil, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, p.errAt(t.pos, "unmatched \")\"")
		}
		return nil, p.errAt(t.pos, "expected AND, OR or the end of the filter, found %s", t.describe())
	}
	return n, nil
}

// ParseOrder parses one ORDER BY clause over the columns of cols: a
// column, then ASC (the default) or DESC. Errors are as Parse's.
func ParseOrder[C Column](in string, cols Columns[C]) (Order[C], error) {
	p := &parser[C]{in: in, cols: cols}
	if err := p.lex(); err != nil {
		return Order[C]{}, err
	}
	c, _, err := p.column()
	if err != nil {
		return Order[C]{}, err
	}
	o := Order[C]{Col: c}
	t := p.next()
	switch {
	case keyword(t, "DESC"):
		o.Desc = true
		t = p.next()
	case keyword(t, "ASC"):
		t = p.next()
	}
	if t.kind != tEOF {
		return Order[C]{}, p.errAt(t.pos, "expected ASC, DESC or the end of the clause, found %s", t.describe())
	}
	return o, nil
}

// parser turns one clause (a filter or an order key) into nodes.
type parser[C Column] struct {
	in    string
	toks  []token
	i     int
	cols  Columns[C]
	depth int // parentheses open
}

// errAt returns the error at byte offset pos. The caller clips what it
// quotes of the input.
func (p *parser[C]) errAt(pos int, format string, args ...any) *perr.ParseError {
	msg := fmt.Sprintf(format, args...)
	var err error
	if p.cols.Err != nil {
		err = fmt.Errorf("%w: %s", p.cols.Err, msg)
	} else {
		err = errors.New(msg)
	}
	return &perr.ParseError{Input: p.in, Column: utf8.RuneCountInString(p.in[:pos]) + 1, Err: err}
}

func (p *parser[C]) peek() token { return p.toks[p.i] }

func (p *parser[C]) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether t is the name kw, in any case.
func keyword(t token, kw string) bool { return t.kind == tName && strings.EqualFold(t.text, kw) }

func isKeyword(s string) bool {
	for _, kw := range [...]string{"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "ASC", "DESC"} {
		if strings.EqualFold(s, kw) {
			return true
		}
	}
	return false
}

func (p *parser[C]) or() (Node[C], error)  { return p.join(true) }
func (p *parser[C]) and() (Node[C], error) { return p.join(false) }

// join parses and-terms joined by OR (or) or terms joined by AND. One
// term comes back as it is; more make an *Or or an *And, with the terms
// of a parenthesised node of the same kind spliced in.
func (p *parser[C]) join(or bool) (Node[C], error) {
	kw := "AND"
	if or {
		kw = "OR"
	}
	var terms []Node[C]
	for {
		var n Node[C]
		var err error
		if or {
			n, err = p.join(false)
		} else {
			n, err = p.term()
		}
		if err != nil {
			return nil, err
		}
		more := keyword(p.peek(), kw)
		if terms == nil && !more {
			return n, nil
		}
		a, isAnd := n.(*And[C])
		o, isOr := n.(*Or[C])
		switch {
		case isAnd && !or:
			terms = append(terms, a.Terms...)
		case isOr && or:
			terms = append(terms, o.Terms...)
		default:
			terms = append(terms, n)
		}
		if !more {
			break
		}
		p.next()
	}
	if or {
		return &Or[C]{terms}, nil
	}
	return &And[C]{terms}, nil
}

func (p *parser[C]) term() (Node[C], error) {
	if p.peek().kind != tLParen {
		return p.comparison()
	}
	open := p.next()
	if p.depth++; p.depth > MaxDepth {
		return nil, p.errAt(open.pos, "parentheses nest deeper than %d", MaxDepth)
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	p.depth--
	if t := p.next(); t.kind != tRParen {
		if t.kind == tEOF {
			return nil, p.errAt(open.pos, "unclosed \"(\"")
		}
		return nil, p.errAt(t.pos, "expected AND, OR or \")\", found %s", t.describe())
	}
	return n, nil
}

// column reads a column: a name (prefix.key or a bare name), or a
// prefix and a dot followed at once by a key in backticks or double
// quotes, which cols resolves.
func (p *parser[C]) column() (C, Kind, error) {
	var zero C
	t := p.next()
	if t.kind != tName {
		hint := ""
		if p.cols.Hint != "" {
			hint = " (" + p.cols.Hint + ")"
		}
		return zero, 0, p.errAt(t.pos, "expected a column%s, found %s", hint, t.describe())
	}
	prefix, key, dot := strings.Cut(t.text, ".")
	switch {
	case !dot && isKeyword(t.text):
		return zero, 0, p.errAt(t.pos, "expected a column, found the keyword %s", strings.ToUpper(t.text))
	case !dot:
		prefix, key = "", t.text
	case key == "":
		q := p.peek()
		if q.pos != t.end || q.kind != tQuoted && !(q.kind == tString && q.dq) {
			return zero, 0, p.errAt(t.end, "expected a key after %s (quote it with backticks if it has spaces)", perr.Quote(t.text))
		}
		p.next()
		if q.text == "" {
			return zero, 0, p.errAt(q.pos, "empty key")
		}
		key = q.text
	}
	c, kind, err := p.cols.Resolve(prefix, key)
	if err != nil {
		return zero, 0, p.errAt(t.pos, "%s", err.Error())
	}
	return c, kind, nil
}

func (p *parser[C]) comparison() (Node[C], error) {
	c, kind, err := p.column()
	if err != nil {
		return nil, err
	}
	n := &Comparison[C]{Col: c, Kind: kind}
	opTok := p.next()
	switch {
	case opTok.kind == tOp:
		if n.Op = opFor(opTok.text); n.Op == 0 {
			return nil, p.errAt(opTok.pos, "unknown operator %s", perr.Quote(opTok.text))
		}
	case keyword(opTok, "NOT"):
		t := p.next()
		if n.Op = wordOp(t, true); n.Op == 0 {
			return nil, p.errAt(t.pos, "expected LIKE, ILIKE or IN after NOT, found %s", t.describe())
		}
	default:
		if n.Op = wordOp(opTok, false); n.Op == 0 {
			return nil, p.errAt(opTok.pos, "expected a comparison operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN) after %s, found %s", name(c), opTok.describe())
		}
	}
	if kind == Number && n.Op > Ge {
		return nil, p.errAt(opTok.pos, "%s is numeric: use =, !=, <, <=, > or >=, not %s", name(c), n.Op)
	}
	if n.Op == In || n.Op == NotIn {
		if t := p.next(); t.kind != tLParen {
			return nil, p.errAt(t.pos, "expected \"(\" after %s, found %s", n.Op, t.describe())
		}
		for {
			s, err := p.stringValue(c)
			if err != nil {
				return nil, err
			}
			n.List = append(n.List, s)
			t := p.next()
			if t.kind == tRParen {
				return n, nil
			}
			if t.kind != tComma {
				return nil, p.errAt(t.pos, "expected \",\" or \")\" in the %s list, found %s", n.Op, t.describe())
			}
		}
	}
	if kind == Number {
		t := p.next()
		if t.kind != tNumber {
			return nil, p.errAt(t.pos, "%s is numeric: expected a number, found %s", name(c), t.describe())
		}
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.errAt(t.pos, "bad number %s", perr.Quote(t.text))
		}
		n.Num = v
		return n, nil
	}
	n.Str, err = p.stringValue(c)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// stringValue reads a quoted string for the String column c.
func (p *parser[C]) stringValue(c C) (string, error) {
	t := p.next()
	if t.kind != tString {
		return "", p.errAt(t.pos, "%s holds strings: expected a quoted value such as 'x', found %s", name(c), t.describe())
	}
	return t.text, nil
}

// name writes a column for an error, clipped.
func name[C Column](c C) string { return perr.Clip(c.String()) }

// opFor returns the operator written as text (=, !=, <>, <, <=, >, >=),
// or 0.
func opFor(text string) Op {
	if text == "<>" {
		return Ne
	}
	for o := Eq; o <= Ge; o++ {
		if opNames[o] == text {
			return o
		}
	}
	return 0
}

// wordOp returns the operator the keyword t names (LIKE, ILIKE or IN,
// negated after NOT), or 0.
func wordOp(t token, not bool) Op {
	for _, w := range [...]struct{ op, not Op }{{Like, NotLike}, {ILike, NotILike}, {In, NotIn}} {
		if keyword(t, opNames[w.op]) {
			if not {
				return w.not
			}
			return w.op
		}
	}
	return 0
}
