package mlflowapi

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/filter"
	"github.com/cairn-ml/cairn/internal/perr"
)

// The filters of MLflow's experiment, registered-model and model-version
// searches are written in the grammar of package internal/filter (MLflow's
// search grammar with OR and parentheses). Their columns are the search's
// attributes, by bare name or as attributes.<name> (in any case), and its
// tags as tags.<key>:
//
//	name = 'fraud' AND attributes.creation_time > 1700000000000
//	tags.`team name` IN ('risk', 'ops') OR name LIKE 'churn%'

// Kind is what an attribute holds: String or Number.
type Kind = filter.Kind

// The attribute kinds.
const (
	String = filter.String
	Number = filter.Number
)

// Column is what a filter term compares: a tag (Key is the tag's key) or
// an attribute (Key is its name, lower case).
type Column struct {
	Tag bool
	Key string
}

// String writes the column as a filter names it: tags.<key>, or the
// attribute's bare name.
func (c Column) String() string {
	if c.Tag {
		return "tags." + filter.QuoteKey(c.Key)
	}
	return c.Key
}

// Filter is a parsed filter. The zero value (and nil) match everything.
type Filter struct{ root filter.Node[Column] }

// columns is the vocabulary of one search: its attributes (by lower-case
// name) and, if tags is set, its tags.
type columns struct {
	attrs map[string]Kind
	tags  bool
}

func (c columns) filter() filter.Columns[Column] { return filter.Columns[Column]{Resolve: c.resolve} }

func (c columns) resolve(prefix, key string) (Column, Kind, error) {
	switch strings.ToLower(prefix) {
	case "tag", "tags":
		if c.tags {
			return Column{Tag: true, Key: key}, String, nil
		}
	case "", "attribute", "attributes":
		name := strings.ToLower(key)
		if k, ok := c.attrs[name]; ok {
			return Column{Key: name}, k, nil
		}
	}
	written := key
	if prefix != "" {
		written = prefix + "." + key
	}
	names := make([]string, 0, len(c.attrs)+1)
	for n := range c.attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	if c.tags {
		names = append(names, "tags.<key>")
	}
	return Column{}, 0, fmt.Errorf("unknown column %s; use %s", perr.Quote(written), strings.Join(names, ", "))
}

// parseError turns the parser's error about a filter or an order_by
// clause (what) into INVALID_PARAMETER_VALUE.
func parseError(what, in string, err error) error {
	var pe *perr.ParseError
	if errors.As(err, &pe) {
		return Errorf(InvalidParameterValue, "Invalid %s %s at character %d: %s", what, perr.Quote(in), pe.Column, pe.Err)
	}
	return err
}

// ParseFilter parses a filter over the attributes in attrs (by lower-case
// name) and, when tags is true, tags. Anything it cannot use is an
// INVALID_PARAMETER_VALUE *Error saying where.
func ParseFilter(in string, attrs map[string]Kind, tags bool) (*Filter, error) {
	n, err := filter.Parse(in, columns{attrs, tags}.filter())
	if err != nil {
		return nil, parseError("filter", in, err)
	}
	return &Filter{root: n}, nil
}

// Match reports whether a record matches the filter; get returns the
// record's value of a column (a number as its decimal text for a Number
// attribute), with false when it has none. A record without the column
// compared matches no term on it, whatever the operator.
func (f *Filter) Match(get func(Column) (string, bool)) bool {
	if f == nil {
		return true
	}
	return filter.Eval(f.root, func(n *filter.Comparison[Column]) bool {
		s, ok := get(n.Col)
		if !ok {
			return false
		}
		if n.Kind == Number {
			v, err := strconv.ParseFloat(s, 64)
			return err == nil && n.MatchNumber(v)
		}
		return n.MatchString(s)
	})
}
