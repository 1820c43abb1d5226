package filter

import (
	"cmp"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/cairn-ml/cairn/internal/sqlike"
)

// Kind is what a column holds: it decides which values and operators a
// comparison on it takes.
type Kind uint8

// The kinds of columns. A Kind that is not Number is taken as String.
const (
	String Kind = iota + 1 // text: every operator, quoted values
	Number                 // numbers: =, !=, <, <=, >, >=, numeric values
)

// Op is a comparison operator.
type Op uint8

// The operators. Eq..Ge apply to every column; the others to columns
// of strings only.
const (
	Eq       Op = iota + 1 // =
	Ne                     // != or <>
	Lt                     // <
	Le                     // <=
	Gt                     // >
	Ge                     // >=
	Like                   // LIKE
	ILike                  // ILIKE
	NotLike                // NOT LIKE
	NotILike               // NOT ILIKE
	In                     // IN (...)
	NotIn                  // NOT IN (...)
)

var opNames = [...]string{"", "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN"}

// String returns the operator as a filter writes it ("!=", "NOT IN").
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// Column is the type a user of the package resolves column names to:
// comparable (a planner can key maps by it and compare it with ==) and
// written back by String as a filter names it, so that the column parses
// back to itself.
type Column interface {
	comparable
	String() string
}

// Node is a parsed filter: an *And, an *Or or a *Comparison. Its String
// is a filter that parses back to the same tree. A nil Node is the empty
// filter, which matches everything.
type Node[C Column] interface {
	String() string
	node()
}

// And holds when every one of its Terms holds. Parse never nests an And
// directly in an And.
type And[C Column] struct{ Terms []Node[C] }

// Or holds when one of its Terms holds. Parse never nests an Or directly
// in an Or.
type Or[C Column] struct{ Terms []Node[C] }

// Comparison compares a column with a value: Num for a Number column,
// Str (the value or the LIKE pattern) for a String one, List for IN and
// NOT IN (always strings).
type Comparison[C Column] struct {
	Col  C
	Kind Kind
	Op   Op
	Num  float64
	Str  string
	List []string
}

func (*And[C]) node()        {}
func (*Or[C]) node()         {}
func (*Comparison[C]) node() {}

// String writes the terms joined by AND, an Or among them in parentheses.
func (n *And[C]) String() string {
	parts := make([]string, len(n.Terms))
	for i, t := range n.Terms {
		if _, ok := t.(*Or[C]); ok {
			parts[i] = "(" + t.String() + ")"
		} else {
			parts[i] = t.String()
		}
	}
	return strings.Join(parts, " AND ")
}

// String writes the terms joined by OR.
func (n *Or[C]) String() string {
	parts := make([]string, len(n.Terms))
	for i, t := range n.Terms {
		parts[i] = t.String()
	}
	return strings.Join(parts, " OR ")
}

// String writes the comparison in the form Parse reads: the column, the
// operator, then a number, a quoted string or a list.
func (n *Comparison[C]) String() string {
	var v string
	switch {
	case n.Op == In || n.Op == NotIn:
		q := make([]string, len(n.List))
		for i, s := range n.List {
			q[i] = quoteString(s)
		}
		v = "(" + strings.Join(q, ", ") + ")"
	case n.Kind == Number:
		v = formatNumber(n.Num)
	default:
		v = quoteString(n.Str)
	}
	return n.Col.String() + " " + n.Op.String() + " " + v
}

// MatchNumber reports whether the value v of a Number column satisfies
// the comparison. Numbers compare as IEEE-754 doubles: NaN satisfies only
// !=.
func (n *Comparison[C]) MatchNumber(v float64) bool { return compare(n.Op, v, n.Num) }

// MatchString reports whether the value s of a String column satisfies
// the comparison. Strings compare byte by byte; LIKE's % matches any run
// of characters and _ one character, with no escape; ILIKE folds case
// (see package sqlike).
func (n *Comparison[C]) MatchString(s string) bool {
	switch n.Op {
	case Eq, Ne, Lt, Le, Gt, Ge:
		return compare(n.Op, s, n.Str)
	case Like:
		return sqlike.Match(s, n.Str, false)
	case ILike:
		return sqlike.Match(s, n.Str, true)
	case NotLike:
		return !sqlike.Match(s, n.Str, false)
	case NotILike:
		return !sqlike.Match(s, n.Str, true)
	case In, NotIn:
		found := false
		for _, x := range n.List {
			if s == x {
				found = true
				break
			}
		}
		return found == (n.Op == In)
	}
	return false
}

// compare reports whether a op b holds, for the operators Eq..Ge.
func compare[T cmp.Ordered](op Op, a, b T) bool {
	switch op {
	case Eq:
		return a == b
	case Ne:
		return a != b
	case Lt:
		return a < b
	case Le:
		return a <= b
	case Gt:
		return a > b
	case Ge:
		return a >= b
	}
	return false
}

// Eval reports whether filter n holds, given whether each of its
// comparisons holds (leaf). AND and OR stop at the first term that
// decides them. A nil n holds.
func Eval[C Column](n Node[C], leaf func(*Comparison[C]) bool) bool {
	switch n := n.(type) {
	case nil:
		return true
	case *And[C]:
		for _, t := range n.Terms {
			if !Eval(t, leaf) {
				return false
			}
		}
		return true
	case *Or[C]:
		for _, t := range n.Terms {
			if Eval(t, leaf) {
				return true
			}
		}
		return false
	case *Comparison[C]:
		return leaf(n)
	}
	return false
}

// Order is one ORDER BY key: a column and its direction.
type Order[C Column] struct {
	Col  C
	Desc bool
}

// String writes the key as ParseOrder reads it: the column, then ASC or
// DESC.
func (o Order[C]) String() string {
	if o.Desc {
		return o.Col.String() + " DESC"
	}
	return o.Col.String() + " ASC"
}

// QuoteKey writes a column's key as a filter names it after its prefix:
// bare if it reads back as the rest of a name, else in backticks (a
// backtick inside doubled). A Column's String uses it.
func QuoteKey(k string) string {
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

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// formatNumber writes a number so that it parses back to itself: whole
// numbers below 1e15 in full (times in milliseconds), others in %g form.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
