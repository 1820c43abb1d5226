package track

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/internal/perr"
)

// The filter grammar is MLflow's search_runs grammar with OR and
// parentheses added. Keywords are case-insensitive.
//
//	filter     = [ or ]
//	or         = and { "OR" and }
//	and        = term { "AND" term }
//	term       = "(" or ")" | comparison
//	comparison = column op value
//	           | column ["NOT"] ("LIKE" | "ILIKE") string
//	           | column ["NOT"] "IN" "(" value { "," value } ")"
//	op         = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//	column     = type "." key
//	type       = "metrics" | "params" | "tags" | "attributes" | "datasets"
//	key        = name | "`" any "`" | '"' any '"'
//	value      = number | "'" any "'" | '"' any '"'
//
// A name is a letter or "_" followed by letters, digits and "_.-/";
// inside quotes a doubled quote stands for itself. AND binds tighter than
// OR.

// Column kinds besides the index kinds.
const kindDataset = 'd'

// column is a resolved column: a kind and a key (for attributes, the
// canonical attribute name; for data sets, the Input field).
type column struct {
	kind byte
	key  string
}

// numeric reports whether the column holds numbers.
func (c column) numeric() bool {
	return c.kind == kindMetric || c.kind == kindAttr && (c.key == attrStart || c.key == attrEnd)
}

var kindNames = map[byte]string{
	kindMetric: "metrics", kindParam: "params", kindTag: "tags", kindAttr: "attributes", kindDataset: "datasets",
}

// columnTypes maps every accepted spelling of a column type to its kind.
var columnTypes = map[string]byte{
	"metric": kindMetric, "metrics": kindMetric,
	"param": kindParam, "params": kindParam, "parameter": kindParam, "parameters": kindParam,
	"tag": kindTag, "tags": kindTag,
	"attribute": kindAttr, "attributes": kindAttr, "attr": kindAttr, "run": kindAttr,
	"dataset": kindDataset, "datasets": kindDataset,
}

// attrNames maps the searchable attributes (and MLflow's alias "created")
// to their canonical names.
var attrNames = map[string]string{
	"run_id": "run_id", "run_name": attrName, "status": attrStatus,
	"start_time": attrStart, "created": attrStart, "end_time": attrEnd,
	"parent_run_id": attrParent,
}

var datasetFields = map[string]bool{"name": true, "version": true, "digest": true, "source": true, "context": true}

func (c column) String() string { return kindNames[c.kind] + "." + quoteKey(c.key) }

// quoteKey writes a key bare if it lexes as the rest of a name, else in
// backticks.
func quoteKey(k string) string {
	bare := k != ""
	for _, r := range k {
		if !isNameRune(r) {
			bare = false
			break
		}
	}
	if bare {
		return k
	}
	return "`" + strings.ReplaceAll(k, "`", "``") + "`"
}

func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isNameRune(r rune) bool {
	return isNameStart(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '/'
}

// op is a comparison operator.
type op uint8

const (
	opEq op = iota + 1
	opNe
	opLt
	opLe
	opGt
	opGe
	opLike
	opILike
	opNotLike
	opNotILike
	opIn
	opNotIn
)

var opNames = [...]string{"", "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN"}

func (o op) String() string { return opNames[o] }

// node is a parsed filter: *orNode, *andNode or *cmpNode.
type node interface{ String() string }

type orNode struct{ kids []node }
type andNode struct{ kids []node }

// cmpNode is one comparison. num holds the number for numeric columns,
// str the string (or LIKE pattern), list the values of IN.
type cmpNode struct {
	col  column
	op   op
	num  float64
	str  string
	list []string
}

func (n *orNode) String() string {
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = k.String()
	}
	return strings.Join(parts, " OR ")
}

func (n *andNode) String() string {
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		if _, ok := k.(*orNode); ok {
			parts[i] = "(" + k.String() + ")"
		} else {
			parts[i] = k.String()
		}
	}
	return strings.Join(parts, " AND ")
}

func (n *cmpNode) String() string {
	var v string
	switch {
	case n.op == opIn || n.op == opNotIn:
		q := make([]string, len(n.list))
		for i, s := range n.list {
			q[i] = quoteString(s)
		}
		v = "(" + strings.Join(q, ", ") + ")"
	case n.col.numeric():
		v = formatNumber(n.num)
	default:
		v = quoteString(n.str)
	}
	return n.col.String() + " " + n.op.String() + " " + v
}

// formatNumber writes a number so that it parses back to itself: whole
// numbers below 1e15 in full (times in milliseconds), others in %g form.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Tokens.

type tokKind uint8

const (
	tEOF tokKind = iota
	tName
	tString // '...' or "..."
	tQuoted // `...`
	tNumber
	tOp
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string // the name, operator, number, or the string's content
	pos  int    // byte offset in the input
	end  int    // byte offset just after the token
	dq   bool   // a string in double quotes
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the input"
	case tString:
		return "string " + quoteString(t.text)
	case tQuoted:
		return "`" + t.text + "`"
	}
	return strconv.Quote(t.text)
}

// parser turns one clause (a filter or one order-by key) into nodes.
type parser struct {
	in   string
	toks []token
	i    int
}

func (p *parser) errAt(pos int, format string, args ...any) *ParseError {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = perr.Clip(s) // a huge token is not repeated whole
		}
	}
	return &ParseError{Input: p.in, Column: utf8.RuneCountInString(p.in[:pos]) + 1, Err: fmt.Errorf("%w: %s", ErrBadQuery, fmt.Sprintf(format, args...))}
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether t is the name kw, in any case.
func keyword(t token, kw string) bool { return t.kind == tName && strings.EqualFold(t.text, kw) }

func lex(in string) ([]token, *ParseError) {
	var toks []token
	fail := func(pos int, format string, args ...any) ([]token, *ParseError) {
		p := parser{in: in}
		return nil, p.errAt(pos, format, args...)
	}
	for i := 0; i < len(in); {
		r, size := utf8.DecodeRuneInString(in[i:])
		if r == utf8.RuneError && size == 1 {
			return fail(i, "invalid UTF-8")
		}
		i += size
	}
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
			var b strings.Builder
			i++
			for {
				j := strings.IndexRune(in[i:], r)
				if j < 0 {
					return fail(start, "unterminated %c quote", r)
				}
				b.WriteString(in[i : i+j])
				i += j + 1
				if i < len(in) && rune(in[i]) == r { // a doubled quote
					b.WriteRune(r)
					i++
					continue
				}
				break
			}
			kind := tString
			if r == '`' {
				kind = tQuoted
			}
			toks = append(toks, token{kind: kind, text: b.String(), pos: start, end: i, dq: r == '"'})
		case isDigit(r) || r == '.' || (r == '-' || r == '+') && i+1 < len(in) && (isDigit(rune(in[i+1])) || in[i+1] == '.'):
			if r == '-' || r == '+' {
				i++
			}
			for i < len(in) && (isDigit(rune(in[i])) || in[i] == '.') {
				i++
			}
			if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
				i++
				if i < len(in) && (in[i] == '+' || in[i] == '-') {
					i++
				}
				for i < len(in) && isDigit(rune(in[i])) {
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
			text := in[start:i]
			if text == "!" {
				return fail(start, "unexpected character '!' (did you mean !=?)")
			}
			toks = append(toks, token{kind: tOp, text: text, pos: start, end: i})
		default:
			return fail(start, "unexpected character %q", r)
		}
	}
	return append(toks, token{kind: tEOF, pos: len(in), end: len(in)}), nil
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// parseFilter parses a filter; the empty (or blank) filter gives nil,
// which matches every run.
func parseFilter(in string) (node, error) {
	toks, perr := lex(in)
	if perr != nil {
		return nil, perr
	}
	p := &parser{in: in, toks: toks}
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

func (p *parser) or() (node, error) {
	var kids []node
	for {
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		if o, ok := n.(*orNode); ok {
			kids = append(kids, o.kids...)
		} else {
			kids = append(kids, n)
		}
		if !keyword(p.peek(), "OR") {
			break
		}
		p.next()
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &orNode{kids}, nil
}

func (p *parser) and() (node, error) {
	var kids []node
	for {
		n, err := p.term()
		if err != nil {
			return nil, err
		}
		if a, ok := n.(*andNode); ok {
			kids = append(kids, a.kids...)
		} else {
			kids = append(kids, n)
		}
		if !keyword(p.peek(), "AND") {
			break
		}
		p.next()
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &andNode{kids}, nil
}

func (p *parser) term() (node, error) {
	if p.peek().kind == tLParen {
		open := p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tRParen {
			if t.kind == tEOF {
				return nil, p.errAt(open.pos, "unclosed \"(\"")
			}
			return nil, p.errAt(t.pos, "expected AND, OR or \")\", found %s", t.describe())
		}
		return n, nil
	}
	return p.comparison()
}

// column parses type.key.
func (p *parser) column(forOrder bool) (column, error) {
	t := p.next()
	if t.kind != tName {
		return column{}, p.errAt(t.pos, "expected a column (metrics.<key>, params.<key>, tags.<key>, attributes.<name> or datasets.<field>), found %s", t.describe())
	}
	typ, key, dot := strings.Cut(t.text, ".")
	if !dot {
		if isKeyword(t.text) {
			return column{}, p.errAt(t.pos, "expected a column, found the keyword %s", strings.ToUpper(t.text))
		}
		return column{}, p.errAt(t.pos, "expected a column as type.key (metrics.f1, params.solver, tags.stage, attributes.status, datasets.name), found %q", t.text)
	}
	kind, ok := columnTypes[strings.ToLower(typ)]
	if !ok {
		return column{}, p.errAt(t.pos, "unknown column type %q: use metrics, params, tags, attributes or datasets", typ)
	}
	if key == "" {
		q := p.peek()
		if q.pos != t.end || q.kind != tQuoted && !(q.kind == tString && q.dq) {
			return column{}, p.errAt(t.end, "expected a key after %q (quote it with backticks if it has spaces)", t.text)
		}
		p.next()
		key = q.text
		if key == "" {
			return column{}, p.errAt(q.pos, "empty key")
		}
	}
	c := column{kind: kind, key: key}
	switch kind {
	case kindAttr:
		name, ok := attrNames[strings.ToLower(key)]
		if !ok {
			return c, p.errAt(t.pos, "unknown attribute %q: use run_id, run_name, status, start_time, end_time or parent_run_id", key)
		}
		c.key = name
	case kindDataset:
		if forOrder {
			return c, p.errAt(t.pos, "cannot order by a data set field")
		}
		if !datasetFields[strings.ToLower(key)] {
			return c, p.errAt(t.pos, "unknown data set field %q: use name, version, digest, source or context", key)
		}
		c.key = strings.ToLower(key)
	}
	return c, nil
}

func isKeyword(s string) bool {
	for _, kw := range []string{"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "ASC", "DESC"} {
		if strings.EqualFold(s, kw) {
			return true
		}
	}
	return false
}

func (p *parser) comparison() (node, error) {
	c, err := p.column(false)
	if err != nil {
		return nil, err
	}
	n := &cmpNode{col: c}
	opTok := p.next()
	switch {
	case opTok.kind == tOp:
		n.op = map[string]op{"=": opEq, "!=": opNe, "<>": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}[opTok.text]
		if n.op == 0 {
			return nil, p.errAt(opTok.pos, "unknown operator %q", opTok.text)
		}
	case keyword(opTok, "LIKE"):
		n.op = opLike
	case keyword(opTok, "ILIKE"):
		n.op = opILike
	case keyword(opTok, "IN"):
		n.op = opIn
	case keyword(opTok, "NOT"):
		t := p.next()
		switch {
		case keyword(t, "LIKE"):
			n.op = opNotLike
		case keyword(t, "ILIKE"):
			n.op = opNotILike
		case keyword(t, "IN"):
			n.op = opNotIn
		default:
			return nil, p.errAt(t.pos, "expected LIKE, ILIKE or IN after NOT, found %s", t.describe())
		}
	default:
		return nil, p.errAt(opTok.pos, "expected a comparison operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN) after %s, found %s", c, opTok.describe())
	}
	if c.numeric() && n.op > opGe {
		return nil, p.errAt(opTok.pos, "%s is numeric: use =, !=, <, <=, > or >=, not %s", c, n.op)
	}
	if n.op == opIn || n.op == opNotIn {
		if t := p.next(); t.kind != tLParen {
			return nil, p.errAt(t.pos, "expected \"(\" after %s, found %s", n.op, t.describe())
		}
		for {
			s, err := p.stringValue(c)
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, s)
			t := p.next()
			if t.kind == tRParen {
				break
			}
			if t.kind != tComma {
				return nil, p.errAt(t.pos, "expected \",\" or \")\" in the %s list, found %s", n.op, t.describe())
			}
		}
		return n, nil
	}
	if c.numeric() {
		t := p.next()
		if t.kind != tNumber {
			return nil, p.errAt(t.pos, "%s is numeric: expected a number, found %s", c, t.describe())
		}
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.errAt(t.pos, "bad number %q", t.text)
		}
		n.num = v
		return n, nil
	}
	n.str, err = p.stringValue(c)
	return n, err
}

// stringValue parses a quoted string for a string column.
func (p *parser) stringValue(c column) (string, error) {
	t := p.next()
	if t.kind != tString {
		return "", p.errAt(t.pos, "%s holds strings: expected a quoted value such as 'x', found %s", c, t.describe())
	}
	if c.kind == kindAttr && c.key == attrStatus {
		return strings.ToUpper(t.text), nil
	}
	return t.text, nil
}

// orderKey is one order-by key.
type orderKey struct {
	col  column
	desc bool
}

func (k orderKey) String() string {
	if k.desc {
		return k.col.String() + " DESC"
	}
	return k.col.String() + " ASC"
}

// parseOrder parses one order-by clause: a column, then ASC or DESC.
func parseOrder(in string) (orderKey, error) {
	toks, perr := lex(in)
	if perr != nil {
		return orderKey{}, perr
	}
	p := &parser{in: in, toks: toks}
	c, err := p.column(true)
	if err != nil {
		return orderKey{}, err
	}
	k := orderKey{col: c}
	t := p.next()
	switch {
	case keyword(t, "DESC"):
		k.desc = true
		t = p.next()
	case keyword(t, "ASC"):
		t = p.next()
	}
	if t.kind != tEOF {
		return k, p.errAt(t.pos, "expected ASC, DESC or the end of the clause, found %s", t.describe())
	}
	return k, nil
}
