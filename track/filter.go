package track

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/internal/filter"
	"github.com/cairn-ml/cairn/internal/perr"
)

// Filters and order keys are written in MLflow's search_runs grammar
// with OR and parentheses added (package internal/filter). A run search's
// columns are type.key:
//
//	type = "metrics" | "params" | "tags" | "attributes" | "datasets"
//
// with the singular forms, "parameter(s)", "attr" and "run" too; the
// attributes are run_id, run_name, status, start_time (or created),
// end_time and parent_run_id, and the data set fields name, version,
// digest, source and context.

// The parsed forms of filters and order keys over a run's columns.
type (
	node     = filter.Node[column]
	andNode  = filter.And[column]
	orNode   = filter.Or[column]
	cmpNode  = filter.Comparison[column]
	orderKey = filter.Order[column]
)

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

// String writes the column as a filter names it.
func (c column) String() string { return kindNames[c.kind] + "." + filter.QuoteKey(c.key) }

// columns is the vocabulary of a run search's filter, or (forOrder) of
// its order keys, which cannot name data set fields.
func columns(forOrder bool) filter.Columns[column] {
	resolve := resolveFilter
	if forOrder {
		resolve = resolveOrder
	}
	return filter.Columns[column]{
		Resolve: resolve,
		Hint:    "metrics.<key>, params.<key>, tags.<key>, attributes.<name> or datasets.<field>",
		Err:     ErrBadQuery,
	}
}

func resolveFilter(typ, key string) (column, filter.Kind, error) { return resolve(typ, key, false) }
func resolveOrder(typ, key string) (column, filter.Kind, error)  { return resolve(typ, key, true) }

func resolve(typ, key string, forOrder bool) (column, filter.Kind, error) {
	if typ == "" {
		return column{}, 0, fmt.Errorf("expected a column as type.key (metrics.f1, params.solver, tags.stage, attributes.status, datasets.name), found %s", perr.Quote(key))
	}
	kind, ok := columnTypes[strings.ToLower(typ)]
	if !ok {
		return column{}, 0, fmt.Errorf("unknown column type %s: use metrics, params, tags, attributes or datasets", perr.Quote(typ))
	}
	c := column{kind: kind, key: key}
	switch kind {
	case kindAttr:
		name, ok := attrNames[strings.ToLower(key)]
		if !ok {
			return c, 0, fmt.Errorf("unknown attribute %s: use run_id, run_name, status, start_time, end_time or parent_run_id", perr.Quote(key))
		}
		c.key = name
	case kindDataset:
		if forOrder {
			return c, 0, errors.New("cannot order by a data set field")
		}
		if !datasetFields[strings.ToLower(key)] {
			return c, 0, fmt.Errorf("unknown data set field %s: use name, version, digest, source or context", perr.Quote(key))
		}
		c.key = strings.ToLower(key)
	}
	if c.numeric() {
		return c, filter.Number, nil
	}
	return c, filter.String, nil
}

// parseFilter parses a filter; the empty (or blank) filter gives nil,
// which matches every run. Values compared with attributes.status are
// upper-cased, as statuses are stored, so that it compares in any case.
func parseFilter(in string) (node, error) {
	n, err := filter.Parse(in, columns(false))
	if err != nil {
		return nil, err
	}
	upperStatus(n)
	return n, nil
}

func upperStatus(n node) {
	eachCmp(n, func(n *cmpNode) {
		if n.Col == (column{kindAttr, attrStatus}) {
			n.Str = strings.ToUpper(n.Str)
			for i, s := range n.List {
				n.List[i] = strings.ToUpper(s)
			}
		}
	})
}

// eachCmp calls fn for every comparison in the filter tree n.
func eachCmp(n node, fn func(*cmpNode)) {
	switch n := n.(type) {
	case *andNode:
		for _, t := range n.Terms {
			eachCmp(t, fn)
		}
	case *orNode:
		for _, t := range n.Terms {
			eachCmp(t, fn)
		}
	case *cmpNode:
		fn(n)
	}
}

// parseOrder parses one order-by clause: a column, then ASC or DESC.
func parseOrder(in string) (orderKey, error) { return filter.ParseOrder(in, columns(true)) }
