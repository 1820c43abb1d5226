package mlflowapi

import (
	"slices"
	"strconv"
	"strings"
)

// Tag is MLflow's key-value pair (RunTag, ExperimentTag, Param,
// RegisteredModelTag, ModelVersionTag, InputTag all have this shape).
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// TagList returns m as MLflow's list of pairs, sorted by key; nil when m
// is empty, so that the field is left out.
func TagList(m map[string]string) []Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{k, v})
	}
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// TagMap returns the pairs of a request field as a map: each key is
// required (else INVALID_PARAMETER_VALUE naming field[i].key), and the
// last value of a key given twice wins, as MLflow's stores have it. It
// returns nil for no pairs.
func TagMap(field string, tags []Tag) (map[string]string, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	for i, t := range tags {
		if err := Required(field+"["+strconv.Itoa(i)+"].key", t.Key); err != nil {
			return nil, err
		}
		m[t.Key] = t.Value
	}
	return m, nil
}
