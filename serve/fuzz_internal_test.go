package serve

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// FuzzNumber checks the lexer's number reader against strconv.ParseFloat:
// it must read exactly the JSON numbers, all of them, to the same bits
// (numbers too small for float64 read as zero, too large as ±Inf, as
// ParseFloat gives them).
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "1", "17.99", "0.07871", "1e-05", "1E+300", "1e999", "1e-400", "123456789012345678901234",
		"0.1000000000000000055511151231257827", "9007199254740993", "4.9e-324", "-2.2250738585072011e-308", "01", "1.", ".5", "-", "1e", "1e+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l lexer
		l.reset([]byte(s))
		got, ok := l.number()
		full := ok && l.i == len(s)
		valid := jsonNumber.MatchString(s)
		if full != valid {
			t.Fatalf("number(%q): read %d bytes, ok %v; a JSON number: %v", s, l.i, ok, valid)
		}
		if !valid {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil && !strings.Contains(err.Error(), "out of range") {
			t.Fatalf("ParseFloat(%q): %v", s, err)
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("number(%q) = %v (%#x), ParseFloat gives %v (%#x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	})
}

// FuzzSkip checks that skip accepts exactly the valid JSON documents
// (those nested at most maxDepth deep).
func FuzzSkip(f *testing.F) {
	for _, s := range []string{`{}`, `[1, "a\u00e9\"", {"k": [true, false, null]}]`, `{"a":1,}`, `[1 2]`, `"\ud800"`, `NaN`, ` 1 `, `[` + strings.Repeat("[", 70) + strings.Repeat("]", 71),
		"\"a\x01\"", `{"a" 1}`, `-`, `tru`, `"\u12"`, `[]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var l lexer
		l.reset(b)
		ok := l.skip() && l.end()
		valid := json.Valid(b)
		switch {
		case ok && !valid:
			t.Fatalf("skip accepts invalid JSON %q", b)
		case !ok && valid && !strings.Contains(l.err.Msg, "nested too deeply"):
			t.Fatalf("skip refuses valid JSON %q: %v at %d", b, l.err.Msg, l.err.Off)
		case !ok && l.err == nil:
			t.Fatalf("skip failed on %q without an error", b)
		}
	})
}

// FuzzFastArray checks fastArray against encoding/json and
// strconv.ParseFloat: what it reads must be a JSON array of numbers, and
// each value the bits ParseFloat gives its text. (That it reads the
// arrays it should, rather than leave them to the lexer, the benchmarks
// show; the decoders' fuzz tests check the values either way.)
func FuzzFastArray(f *testing.F) {
	for _, s := range []string{`[17.99, 10.38, 122.8, 1001.0, 0.1184]`, `[0,-0,-0.0,1,-12.5]`, `[ 1 , 2 ]`, `[9007199254740991, 9007199254740992, 0.9007199254740993]`,
		`[1234567890123456789]`, `[0.0000000000000000000001]`, `[1e5]`, `[01]`, `[1.]`, `[.5]`, `[-]`, `[1,]`, `[]`, `[1 2]`, `[1,"a"]`, `[1`, `[1,2,3]`} {
		f.Add([]byte(s), 3, false)
	}
	f.Add([]byte(`[1.5, 2.25, 3.125]`), 3, true)
	f.Fuzz(func(t *testing.T, b []byte, width int, permute bool) {
		if len(b) == 0 || b[0] != '[' || width < 0 || width > 64 {
			return
		}
		dst := make([]float64, width)
		var cols []int
		if permute { // the values go in reverse, the middle one nowhere
			cols = make([]int, width)
			for j := range cols {
				cols[j] = width - 1 - j
			}
			if width > 0 {
				cols[width/2] = -1
			}
		}
		n, end, ok := fastArray(b, 0, dst, cols)
		if !ok {
			return
		}
		var vals []json.Number
		dec := json.NewDecoder(strings.NewReader(string(b[:end])))
		dec.UseNumber()
		if err := dec.Decode(&vals); err != nil || dec.More() {
			t.Fatalf("fastArray(%q) read %d values up to %d, not a JSON array of numbers: %v", b, n, end, err)
		}
		if n != len(vals) || n > width {
			t.Fatalf("fastArray(%q) = %d values, want %d (at most %d)", b, n, len(vals), width)
		}
		for j, v := range vals {
			want, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				t.Fatalf("ParseFloat(%q): %v", v, err)
			}
			c := j
			if cols != nil {
				if c = cols[j]; c < 0 {
					continue
				}
			}
			if got := dst[c]; math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("fastArray(%q): value %d = %v (%#x), ParseFloat(%q) = %v (%#x)", b, j, got, math.Float64bits(got), v, want, math.Float64bits(want))
			}
		}
	})
}
