package serve

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFastArray checks which arrays fastArray reads itself (the rest go
// to the lexer) and what it reads from them. FuzzFastArray checks the
// values against strconv.ParseFloat.
func TestFastArray(t *testing.T) {
	negZero := math.Copysign(0, -1)
	tests := []struct {
		name string
		in   string
		want []float64 // nil: not read (left to the lexer)
	}{
		{"python style", `[17.99, 10.38, 1001.0, 0.07871]`, []float64{17.99, 10.38, 1001, 0.07871}},
		{"compact", `[1,-2.5,0,-0]`, []float64{1, -2.5, 0, negZero}},
		{"spaces", `[ 1 , 2 ]`, []float64{1, 2}},
		{"followed", `[1,2]]}`, []float64{1, 2}},
		{"2^53-1", `[9007199254740991]`, []float64{9007199254740991}},
		{"19 digits below 2^53", `[0.000000000000000001]`, []float64{1e-18}},
		{"2^53", `[9007199254740992]`, nil},
		{"20 digits", `[0.0000000000000000001]`, nil},
		{"exponent", `[1e5]`, nil},
		{"exponent after fraction", `[1.5E5]`, nil},
		{"leading zero", `[01]`, nil},
		{"no fraction digits", `[1.]`, nil},
		{"no integer digits", `[.5]`, nil},
		{"sign alone", `[-]`, nil},
		{"trailing comma", `[1,]`, nil},
		{"empty", `[]`, nil},
		{"no comma", `[1 2]`, nil},
		{"string", `[1,"a"]`, nil},
		{"null", `[null]`, nil},
		{"nested", `[[1]]`, nil},
		{"tab", "[1,\t2]", nil},
		{"newline", "[1,\n2]", nil},
		{"NaN", `[NaN]`, nil},
		{"too many", `[1,2,3,4,5]`, nil},
		{"unterminated", `[1,2`, nil},
		{"cut in a number", `[1.`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]float64, 4)
			n, end, ok := fastArray([]byte(tt.in), 0, dst, nil)
			if tt.want == nil {
				if ok {
					t.Errorf("fastArray(%q) read %v, want it left to the lexer", tt.in, dst[:n])
				}
				return
			}
			if !ok {
				t.Fatalf("fastArray(%q) left it to the lexer, want %v", tt.in, tt.want)
			}
			if diff := cmp.Diff(tt.want, dst[:n], cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })); diff != "" {
				t.Errorf("fastArray(%q) (-want +got):\n%s", tt.in, diff)
			}
			if want := strings.IndexByte(tt.in, ']') + 1; end != want {
				t.Errorf("fastArray(%q) ends at %d, want %d", tt.in, end, want)
			}
		})
	}
}
