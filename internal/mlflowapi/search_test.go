package mlflowapi

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSearchParse(t *testing.T) {
	s := Search{
		Filter: testAttrs, Order: testAttrs,
		DefaultOrder: []OrderKey{{Key: "creation_time", Desc: true}}, Tie: []OrderKey{{Key: "name"}},
		DefaultResults: 10, MaxResults: 100,
	}
	n := func(v int64) *Int64 { i := Int64(v); return &i }
	for _, tc := range []struct {
		name  string
		req   SearchReq
		order []OrderKey
		max   int
		code  Code
	}{
		{name: "defaults", order: []OrderKey{{Key: "creation_time", Desc: true}, {Key: "name"}}, max: 10},
		{name: "given", req: SearchReq{MaxResults: n(100), OrderBy: []string{"name DESC"}, Filter: "name = 'a'"},
			order: []OrderKey{{Key: "name", Desc: true}, {Key: "name"}}, max: 100},
		{name: "max_results 0", req: SearchReq{MaxResults: n(0)}, code: InvalidParameterValue},
		{name: "max_results too many", req: SearchReq{MaxResults: n(101)}, code: InvalidParameterValue},
		{name: "bad filter", req: SearchReq{Filter: "owner = 'x'"}, code: InvalidParameterValue},
		{name: "bad order", req: SearchReq{OrderBy: []string{"name sideways"}}, code: InvalidParameterValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, order, max, err := s.Parse(tc.req)
			if tc.code != "" {
				var me *Error
				if !errors.As(err, &me) || me.Code != tc.code {
					t.Fatalf("Parse(%+v) = %v, want %s", tc.req, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%+v): %v", tc.req, err)
			}
			if diff := cmp.Diff(tc.order, order); diff != "" || max != tc.max {
				t.Errorf("Parse(%+v): max %d, want %d; order (-want +got):\n%s", tc.req, max, tc.max, diff)
			}
		})
	}
	if _, order, _, _ := s.Parse(SearchReq{}); len(s.DefaultOrder) != 1 || &order[0] == &s.DefaultOrder[0] {
		t.Errorf("Parse appended the tie-breakers to DefaultOrder")
	}
}

func TestRouterRead(t *testing.T) {
	rt := Router{MaxBodyBytes: 20}
	for _, tc := range []struct {
		body   string
		ok     bool
		status int
	}{
		{`{"name":"p"}`, true, 200},
		{`{"name":"` + strings.Repeat("a", 30) + `"}`, false, 400},
		{`{"name":`, false, 400},
	} {
		w := httptest.NewRecorder()
		var got req
		if ok := rt.Read(w, httptest.NewRequest("POST", "/x", strings.NewReader(tc.body)), &got); ok != tc.ok || w.Code != tc.status {
			t.Errorf("Read(%q) = %v with %d %s, want %v with %d", tc.body, ok, w.Code, w.Body, tc.ok, tc.status)
		}
		if !tc.ok {
			var e Error
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code != InvalidParameterValue {
				t.Errorf("Read(%q) answered %s, want INVALID_PARAMETER_VALUE", tc.body, w.Body)
			}
		}
	}
}
