package mlflowapi

import "slices"

// SearchReq is the request of MLflow's entity searches that page by
// offset (experiments, registered models, model versions); a request
// type embeds it beside its own fields.
type SearchReq struct {
	Filter     string   `json:"filter"`
	MaxResults *Int64   `json:"max_results"`
	OrderBy    []string `json:"order_by"`
	PageToken  string   `json:"page_token"`
}

// Search is one of MLflow's entity searches: what its filter and
// order_by may name, its order and its page sizes. Its zero value takes
// no attributes and no default order.
type Search struct {
	// Filter and Order are the attributes (by lower-case name) a filter
	// may compare, besides tags, and order_by may name.
	Filter, Order map[string]Kind
	// DefaultOrder is the order when order_by is empty; Tie is appended
	// to every order.
	DefaultOrder, Tie []OrderKey
	// DefaultResults is the page size when max_results is absent (0:
	// no limit); MaxResults the largest max_results accepted.
	DefaultResults, MaxResults int64
}

// Parse checks a request against the search and returns its filter, its
// order (with the tie-breakers) and its page size, or an
// INVALID_PARAMETER_VALUE *Error.
func (s *Search) Parse(req SearchReq) (*Filter, []OrderKey, int, error) {
	max, err := MaxResults(req.MaxResults, s.DefaultResults, s.MaxResults)
	if err != nil {
		return nil, nil, 0, err
	}
	f, err := ParseFilter(req.Filter, s.Filter, true)
	if err != nil {
		return nil, nil, 0, err
	}
	order, err := ParseOrder(req.OrderBy, s.Order)
	if err != nil {
		return nil, nil, 0, err
	}
	if len(order) == 0 {
		order = s.DefaultOrder
	}
	return f, slices.Concat(order, s.Tie), max, nil
}

// MaxResults returns a request's max_results, def when it is absent, or
// an INVALID_PARAMETER_VALUE *Error (MLflow's message) when it is not in
// [1, most].
func MaxResults(p *Int64, def, most int64) (int, error) {
	if p == nil {
		return int(def), nil
	}
	if n := int64(*p); n < 1 || n > most {
		return 0, Errorf(InvalidParameterValue,
			"Invalid value for request parameter max_results. It must be at least 1 and at most %d, but got value %d", most, n)
	}
	return int(*p), nil
}
