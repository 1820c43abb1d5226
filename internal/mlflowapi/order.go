package mlflowapi

import (
	"cmp"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/internal/perr"
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
	for _, c := range clauses {
		f := strings.Fields(c)
		if len(f) == 0 || len(f) > 2 {
			return nil, Errorf(InvalidParameterValue, "Invalid order_by clause %s: expected a column and an optional ASC or DESC.", perr.Quote(c))
		}
		k := OrderKey{Key: strings.ToLower(f[0])}
		if a, ok := strings.CutPrefix(k.Key, "attributes."); ok {
			k.Key = a
		} else if a, ok := strings.CutPrefix(k.Key, "attribute."); ok {
			k.Key = a
		}
		if _, ok := attrs[k.Key]; !ok {
			names := make([]string, 0, len(attrs))
			for n := range attrs {
				names = append(names, n)
			}
			slices.Sort(names)
			return nil, Errorf(InvalidParameterValue, "Invalid order_by clause %s: unknown column; use %s.", perr.Quote(c), strings.Join(names, ", "))
		}
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "DESC":
				k.Desc = true
			case "ASC":
			default:
				return nil, Errorf(InvalidParameterValue, "Invalid order_by clause %s: expected ASC or DESC.", perr.Quote(c))
			}
		}
		out = append(out, k)
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
