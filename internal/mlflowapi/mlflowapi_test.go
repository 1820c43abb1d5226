package mlflowapi

import (
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// req is a request shape with every field kind the handlers use.
type req struct {
	Name    string   `json:"name"`
	Opt     *string  `json:"opt"`
	IDs     []string `json:"ids"`
	N       Int64    `json:"n"`
	P       *Int64   `json:"p"`
	F       Float    `json:"f"`
	B       *bool    `json:"b"`
	View    Enum     `json:"view"`
	Tags    []kv     `json:"tags"`
	Skipped int      `json:"-"`
}

type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func ptr[T any](v T) *T { return &v }

func TestStatus(t *testing.T) {
	// MLflow's ERROR_CODE_TO_HTTP_STATUS (mlflow/exceptions.py).
	for code, want := range map[Code]int{
		InvalidParameterValue: 400, ResourceAlreadyExists: 400, BadRequest: 400,
		ResourceDoesNotExist: 404, EndpointNotFound: 404, Unauthenticated: 401,
		InternalError: 500, DataLoss: 500, NotImplemented: 501, TemporarilyUnavailable: 503,
		Cancelled: 499, "SOMETHING_ELSE": 500,
	} {
		if got := code.Status(); got != want {
			t.Errorf("%s.Status() = %d, want %d", code, got, want)
		}
	}
}

func TestWriteError(t *testing.T) {
	sentinel := errors.New("x: not found")
	rules := []Rule{{sentinel, ResourceDoesNotExist}}
	for _, tc := range []struct {
		err    error
		status int
		body   string
	}{
		{fmt.Errorf("run 1: %w", sentinel), 404, `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"run 1: x: not found"}`},
		{Errorf(InvalidParameterValue, "bad"), 400, `{"error_code":"INVALID_PARAMETER_VALUE","message":"bad"}`},
		{errors.New("boom"), 500, `{"error_code":"INTERNAL_ERROR","message":"boom"}`},
	} {
		w := httptest.NewRecorder()
		WriteError(w, tc.err, rules)
		if w.Code != tc.status || strings.TrimSpace(w.Body.String()) != tc.body {
			t.Errorf("WriteError(%v) = %d %s, want %d %s", tc.err, w.Code, w.Body, tc.status, tc.body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       req
		bad        bool
	}{
		{name: "empty", body: "", want: req{}},
		{name: "fields", body: `{"name":"a","opt":"","ids":["1","2"],"n":"12","p":3,"f":"NaN","b":true,"view":"ALL","tags":[{"key":"k","value":"v"}],"unknown":{"x":1}}`,
			want: req{Name: "a", Opt: ptr(""), IDs: []string{"1", "2"}, N: 12, P: ptr(Int64(3)), F: Float(math.NaN()), B: ptr(true), View: Enum{Name: "ALL", Set: true}, Tags: []kv{{"k", "v"}}}},
		{name: "double encoded", body: `"{\"name\":\"a\"}"`, want: req{Name: "a"}},
		{name: "enum number", body: `{"view":3,"n":1e3,"f":2}`, want: req{View: Enum{Num: 3, Set: true}, N: 1000, F: 2}},
		{name: "string for list", body: `{"ids":"1"}`, bad: true},
		{name: "number for string", body: `{"name":1}`, bad: true},
		{name: "fraction for int", body: `{"n":1.5}`, bad: true},
		{name: "int overflow", body: `{"n":"99999999999999999999"}`, bad: true},
		{name: "bad float", body: `{"f":"x"}`, bad: true},
		{name: "array", body: `[1]`, bad: true},
		{name: "syntax", body: `{"name":`, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got req
			err := DecodeJSON([]byte(tc.body), &got)
			if tc.bad {
				var me *Error
				if !errors.As(err, &me) || me.Code != InvalidParameterValue {
					t.Fatalf("DecodeJSON(%s) = %v, want INVALID_PARAMETER_VALUE", tc.body, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeJSON(%s): %v", tc.body, err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b Float) bool { return a == b || a != a && b != b })); diff != "" {
				t.Errorf("DecodeJSON(%s) (-want +got):\n%s", tc.body, diff)
			}
		})
	}
}

func TestDecodeQuery(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  req
		bad   bool
	}{
		{query: "name=a&ids=1&ids=2&n=5&p=-1&f=Infinity&b=TRUE&view=2&other=x",
			want: req{Name: "a", IDs: []string{"1", "2"}, N: 5, P: ptr(Int64(-1)), F: Float(math.Inf(1)), B: ptr(true), View: Enum{Num: 2, Set: true}}},
		{query: "opt=&view=DELETED_ONLY&name=a&name=b", want: req{Name: "a", Opt: ptr(""), View: Enum{Name: "DELETED_ONLY", Set: true}}},
		{query: "b=yes", bad: true},
		{query: "n=x", bad: true},
		{query: "f=1e999", bad: true},
	} {
		q, _ := url.ParseQuery(tc.query)
		var got req
		err := DecodeQuery(q, &got)
		if tc.bad != (err != nil) {
			t.Errorf("DecodeQuery(%s) error %v, want error %v", tc.query, err, tc.bad)
			continue
		}
		if diff := cmp.Diff(tc.want, got); !tc.bad && diff != "" {
			t.Errorf("DecodeQuery(%s) (-want +got):\n%s", tc.query, diff)
		}
	}
}

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		method, target, ctype, body string
		max                         int64
		want                        string
		code                        Code
	}{
		{method: "GET", target: "/x?name=q", want: "q"},
		{method: "GET", target: "/x", body: `{"name":"b"}`, want: "b"},
		{method: "POST", target: "/x?name=q", ctype: "application/json; charset=utf-8", body: `{"name":"p"}`, want: "p"},
		{method: "POST", target: "/x", body: `{"name":"p"}`, want: "p"},
		{method: "POST", target: "/x", ctype: "text/plain", body: `{"name":"p"}`, code: InvalidParameterValue},
		{method: "POST", target: "/x", body: `{"name":"` + strings.Repeat("a", 100) + `"}`, max: 50, code: InvalidParameterValue},
	} {
		r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
		if tc.ctype != "" {
			r.Header.Set("Content-Type", tc.ctype)
		}
		var got req
		err := Read(httptest.NewRecorder(), r, &got, tc.max)
		var me *Error
		switch {
		case tc.code != "" && (!errors.As(err, &me) || me.Code != tc.code):
			t.Errorf("Read(%s %s) = %v, want %s", tc.method, tc.target, err, tc.code)
		case tc.code == "" && (err != nil || got.Name != tc.want):
			t.Errorf("Read(%s %s) = %q, %v; want %q", tc.method, tc.target, got.Name, err, tc.want)
		}
	}
}

func TestEnumResolve(t *testing.T) {
	names := []string{"", "ACTIVE_ONLY", "DELETED_ONLY", "ALL"}
	for _, tc := range []struct {
		e    Enum
		want int
		bad  bool
	}{
		{Enum{Name: "ALL", Set: true}, 3, false},
		{Enum{Num: 2, Set: true}, 2, false},
		{Enum{Num: 0, Set: true}, 0, true},
		{Enum{Name: "all", Set: true}, 0, true},
		{Enum{Num: 9, Set: true}, 0, true},
	} {
		got, err := tc.e.Resolve("view_type", names)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%+v.Resolve = %d, %v; want %d (error %v)", tc.e, got, err, tc.want, tc.bad)
		}
	}
}

func TestFloatJSON(t *testing.T) {
	for v, want := range map[float64]string{1.5: "1.5", math.NaN(): `"NaN"`, math.Inf(1): `"Infinity"`, math.Inf(-1): `"-Infinity"`, 1e21: "1e+21"} {
		b, _ := Float(v).MarshalJSON()
		if string(b) != want {
			t.Errorf("Float(%v) = %s, want %s", v, b, want)
		}
	}
}

func TestOffsetToken(t *testing.T) {
	// MLflow's token for offset 10: base64 of {"offset": 10}.
	if n, err := ParseOffsetToken("eyJvZmZzZXQiOiAxMH0="); err != nil || n != 10 {
		t.Errorf("ParseOffsetToken(MLflow's) = %d, %v", n, err)
	}
	for _, n := range []int{0, 1, 1000} {
		if got, err := ParseOffsetToken(OffsetToken(n)); err != nil || got != n {
			t.Errorf("round trip %d = %d, %v", n, got, err)
		}
	}
	for _, bad := range []string{"!", "e30=", "eyJvZmZzZXQiOiAtMX0="} { // not base64, {}, offset -1
		if _, err := ParseOffsetToken(bad); err == nil {
			t.Errorf("ParseOffsetToken(%q) succeeded", bad)
		}
	}
	lo, hi, next, err := Page(25, 10, OffsetToken(10))
	if err != nil || lo != 10 || hi != 20 || next != OffsetToken(20) {
		t.Errorf("Page = %d %d %q %v", lo, hi, next, err)
	}
	lo, hi, next, _ = Page(25, 10, OffsetToken(20))
	if lo != 20 || hi != 25 || next != "" {
		t.Errorf("last Page = %d %d %q", lo, hi, next)
	}
}

func TestAuthorized(t *testing.T) {
	for _, tc := range []struct {
		header, token string
		want          bool
	}{
		{"", "", true},
		{"Bearer s3cret", "s3cret", true},
		{"Bearer wrong", "s3cret", false},
		{"s3cret", "s3cret", false},
		{"", "s3cret", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		if got := Authorized(r, tc.token); got != tc.want {
			t.Errorf("Authorized(%q, %q) = %v", tc.header, tc.token, got)
		}
	}
}

var testAttrs = map[string]Kind{"name": String, "creation_time": Number}

func TestFilter(t *testing.T) {
	rec := map[Column]string{
		{Key: "name"}: "fraud-model", {Key: "creation_time"}: "100",
		{Tag: true, Key: "team"}: "risk", {Tag: true, Key: "my key"}: "x",
	}
	get := func(c Column) (string, bool) { v, ok := rec[c]; return v, ok }
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{"", true},
		{"name = 'fraud-model'", true},
		{"name LIKE 'fraud%'", true},
		{"name ILIKE 'FRAUD%'", true},
		{"name NOT LIKE 'fraud%'", false},
		{"attributes.name != 'x'", true},
		{"creation_time > 50 AND tags.team = 'risk'", true},
		{"creation_time < 50 OR tags.team = 'risk'", true},
		{"(creation_time < 50 OR name = 'y') AND tags.team = 'risk'", false},
		{"tags.`my key` = 'x' and tags.\"my key\" IN ('x', 'z')", true},
		{"tags.missing != 'x'", false},
		{"name IN ('a', 'b')", false},
		{"name NOT IN ('a', 'b')", true},
	} {
		f, err := ParseFilter(tc.filter, testAttrs, true)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tc.filter, err)
			continue
		}
		if got := f.Match(get); got != tc.want {
			t.Errorf("%q matches = %v, want %v", tc.filter, got, tc.want)
		}
	}
	for _, bad := range []string{
		"name", "name =", "name = x", "creation_time LIKE '1%'", "creation_time = 'a'", "owner = 'x'",
		"name = 'x' AND", "(name = 'x'", "name = 'x')", "name ! 'x'", "name = 'x", "tags. = 'x'",
		"name IN 'x'", "name IN ('x' 'y')", "name NOT = 'x'", "\xff",
		strings.Repeat("(", 200) + "name = 'x'" + strings.Repeat(")", 200),
	} {
		_, err := ParseFilter(bad, testAttrs, true)
		var me *Error
		if !errors.As(err, &me) || me.Code != InvalidParameterValue {
			t.Errorf("ParseFilter(%q) = %v, want INVALID_PARAMETER_VALUE", bad, err)
		}
	}
	if _, err := ParseFilter("tags.x = 'y'", testAttrs, false); err == nil {
		t.Error("tags allowed in a search without tags")
	}
}

func TestOrder(t *testing.T) {
	keys, err := ParseOrder([]string{"creation_time DESC", "attributes.name"}, testAttrs)
	if err != nil {
		t.Fatal(err)
	}
	type item struct {
		name string
		t    int64
	}
	items := []item{{"b", 1}, {"a", 1}, {"c", 2}}
	SortFunc(items, keys, func(it item, key string) (string, int64, bool) {
		if key == "creation_time" {
			return "", it.t, true
		}
		return it.name, 0, false
	})
	if diff := cmp.Diff([]item{{"c", 2}, {"a", 1}, {"b", 1}}, items, cmp.AllowUnexported(item{})); diff != "" {
		t.Errorf("sorted (-want +got):\n%s", diff)
	}
	for _, bad := range [][]string{{"owner"}, {"name UP"}, {"name ASC extra"}, {""}} {
		if _, err := ParseOrder(bad, testAttrs); err == nil {
			t.Errorf("ParseOrder(%q) succeeded", bad)
		}
	}
}

func TestRequired(t *testing.T) {
	if err := Required("a", "x", "b", ""); err == nil || !strings.Contains(err.Error(), "'b'") {
		t.Errorf("Required = %v", err)
	}
	if err := Required("a", "x"); err != nil {
		t.Errorf("Required = %v", err)
	}
}
