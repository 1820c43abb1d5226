package filter_test

import (
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/internal/filter"
	"github.com/cairn-ml/cairn/internal/perr"
)

// field is a column of a search over records with a name and a size.
type field string

func (f field) String() string { return string(f) }

func resolve(prefix, key string) (field, filter.Kind, error) {
	switch {
	case prefix == "" && strings.EqualFold(key, "name"):
		return "name", filter.String, nil
	case prefix == "" && strings.EqualFold(key, "size"):
		return "size", filter.Number, nil
	}
	return "", 0, fmt.Errorf("unknown column %s; use name or size", perr.Quote(key))
}

func Example() {
	cols := filter.Columns[field]{Resolve: resolve}
	n, err := filter.Parse("size > 10 and (name LIKE 'a%' or NAME = 'b')", cols)
	if err != nil {
		panic(err)
	}
	fmt.Println(n)
	rec := map[field]string{"name": "abc"}
	size := 12.0
	fmt.Println(filter.Eval(n, func(c *filter.Comparison[field]) bool {
		if c.Kind == filter.Number {
			return c.MatchNumber(size)
		}
		return c.MatchString(rec[c.Col])
	}))
	_, err = filter.Parse("size > 10 and colour = 'red'", cols)
	fmt.Println(err)
	// Output:
	// size > 10 AND (name LIKE 'a%' OR name = 'b')
	// true
	// column 15 of "size > 10 and colour = 'red'": unknown column "colour"; use name or size
}
