package cell

import (
	"math"
	"strconv"
	"testing"
)

func TestIsMissing(t *testing.T) {
	for _, s := range Missing {
		if !IsMissing(s) {
			t.Errorf("IsMissing(%q) = false, want true", s)
		}
	}
	for _, s := range []string{" ", "na", "NAN", "Nan", " NA", "none", "0", "missing"} {
		if IsMissing(s) {
			t.Errorf("IsMissing(%q) = true, want false", s)
		}
	}
}

// The cases come from pandas 1.5.3's read_csv (see the package doc):
// the ones it reads as float64 and the ones that make a column text.
func TestParseFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1.", 1, true},
		{".5", 0.5, true},
		{"+.5e3", 500, true},
		{" 1 ", 1, true},
		{"\t-2\r", -2, true},
		{"1e5", 1e5, true},
		{"1E+05", 1e5, true},
		{"-.5", -0.5, true},
		{"+1", 1, true},
		{"0.1", 0.1, true},
		{"39.1", 39.1, true},
		{"12345678901234567890", 12345678901234567890, true},
		{"9007199254740993", 9007199254740993, true},
		{"1.7976931348623157e308", math.MaxFloat64, true},
		{"4e-324", 5e-324, true},
		{"inf", math.Inf(1), true},
		{"-Infinity", math.Inf(-1), true},
		{"INF", math.Inf(1), true},
		{"+inf", math.Inf(1), true},
		{"infinity", math.Inf(1), true},
		{"1_000", 0, false},
		{"0x10", 0, false},
		{"0x1p3", 0, false},
		{"1,5", 0, false},
		{"nan", 0, false},
		{"1d5", 0, false},
		{"  ", 0, false},
		{"", 0, false},
		{"1e", 0, false},
		{"1e+", 0, false},
		{"- 1", 0, false},
		{".", 0, false},
		{"1e400", 0, false},
		{".e1", 0, false},
		{"infinit", 0, false},
		{"--1", 0, false},
		{"1.2.3", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseFloat(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("ParseFloat(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseFloat checks that whatever ParseFloat accepts is a number
// strconv reads to the same bits, and that it accepts every plain decimal.
func FuzzParseFloat(f *testing.F) {
	for _, s := range []string{"1", "-0.5", "1e5", ".5", "1.", "inf", "0x1p3", "1_0", "123456789012345678901234", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseFloat(s)
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(trimSpace(s), 64)
		if err != nil && !math.IsInf(want, 0) {
			t.Fatalf("ParseFloat(%q) = %v, strconv: %v", s, got, err)
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("ParseFloat(%q) = %v, strconv %v", s, got, want)
		}
	})
}

func trimSpace(s string) string {
	i, n := 0, len(s)
	for i < n && isSpace(s[i]) {
		i++
	}
	for n > i && isSpace(s[n-1]) {
		n--
	}
	return s[i:n]
}

func BenchmarkParseFloat(b *testing.B) {
	in := []string{"39.1", "18.7", "181", "3750", "-0.000123", "1e5"}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range in {
			ParseFloat(s)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	b := []byte(" 39.1 ")
	na := []byte("NA")
	allocs := testing.AllocsPerRun(100, func() {
		ParseFloat(b)
		IsMissing(na)
		IsMissing(b)
	})
	if allocs != 0 {
		t.Errorf("ParseFloat and IsMissing on []byte allocate %v times", allocs)
	}
}
