package mlflowapi

import (
	"cmp"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/internal/filter"
)

// OrderKey is one order_by clause of an entity search: an attribute and
// its direction.
type OrderKey struct {
	Key  string // the attribute's name, lower case
	Desc bool
}

// ParseOrder parses order_by clauses ("name", "last_updated_timestamp
// DESC", "attributes.name ASC") over the attributes in attrs, or returns
// an INVALID_PARAMETER_VALUE *Error.
func ParseOrder(clauses []string, attrs map[string]Kind) ([]OrderKey, error) {
	var out []OrderKey
	cols := columns{attrs: attrs}.filter()
	for _, c := range clauses {
		o, err := filter.ParseOrder(c, cols)
		if err != nil {
			return nil, parseError("order_by clause", c, err)
		}
		out = append(out, OrderKey{Key: o.Col.Key, Desc: o.Desc})
	}
	return out, nil
}

// SortFunc sorts items by keys, then by the tie-breaking keys; value
// returns an item's value of an attribute as a string, or as an int64 in
// num with isNum true.
func SortFunc[T any](items []T, keys []OrderKey, value func(item T, key string) (str string, num int64, isNum bool)) {
	slices.SortStableFunc(items, func(a, b T) int {
		for _, k := range keys {
			as, an, aNum := value(a, k.Key)
			bs, bn, _ := value(b, k.Key)
			c := 0
			if aNum {
				c = cmp.Compare(an, bn)
			} else {
				c = strings.Compare(as, bs)
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}
