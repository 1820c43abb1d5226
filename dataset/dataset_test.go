package dataset_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
)

func TestBreastCancer(t *testing.T) {
	ds := dataset.BreastCancer()
	if err := ds.Validate(); err != nil {
		t.Fatal(err)
	}
	r, c := ds.X.Dims()
	if r != 569 || c != 30 {
		t.Fatalf("BreastCancer() X is %dx%d, want 569x30", r, c)
	}
	if diff := cmp.Diff([]string{"malignant", "benign"}, ds.Classes); diff != "" {
		t.Errorf("Classes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{212, 357}, ds.ClassCounts()); diff != "" {
		t.Errorf("ClassCounts (-want +got):\n%s", diff)
	}
	if ds.Features[0] != "mean radius" || ds.Features[29] != "worst fractal dimension" {
		t.Errorf("Features = %q ... %q", ds.Features[0], ds.Features[29])
	}
	// First and last rows of scikit-learn's load_breast_cancer().
	if got := ds.X.RawRowView(0)[:3]; !cmp.Equal(got, []float64{17.99, 10.38, 122.8}) {
		t.Errorf("row 0 = %v", got)
	}
	if ds.Y[0] != 0 || ds.Y[568] != 1 {
		t.Errorf("Y[0], Y[568] = %d, %d, want 0, 1", ds.Y[0], ds.Y[568])
	}
	// Each call returns its own copy.
	ds.X.Set(0, 0, -1)
	if dataset.BreastCancer().X.At(0, 0) != 17.99 {
		t.Error("BreastCancer shares its matrix between calls")
	}
}

// The embedded file is the one in ../shared/data, whose hash its README gives.
func TestBreastCancerFileHash(t *testing.T) {
	b, err := os.ReadFile("data/breast_cancer.csv")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	const want = "78227eb7837e91842fafebc94717a57a1866be5722bba2387663b39e3f84f11d"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("sha256(data/breast_cancer.csv) = %s, want %s", got, want)
	}
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts dataset.CSVOptions
		want *dataset.Dataset
	}{
		{
			name: "last column label, classes sorted",
			in:   "a,b,y\n1,2,dog\n3,4,cat\n5,6,dog\n",
			want: &dataset.Dataset{
				Features: []string{"a", "b"}, Classes: []string{"cat", "dog"},
				X: mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6}), Y: []int{1, 0, 1},
			},
		},
		{
			// The example: classes used to be [1 0], so the binary
			// metrics scored class "0" as positive.
			name: "numeric labels sorted numerically",
			in:   "x,y\n1,1\n2,0\n",
			want: &dataset.Dataset{
				Features: []string{"x"}, Classes: []string{"0", "1"},
				X: mat.NewDense(2, 1, []float64{1, 2}), Y: []int{1, 0},
			},
		},
		{
			name: "numeric labels by value, not by bytes; equal values one class",
			in:   "x,y\n1,10\n2,9\n3,-1\n4,9.0\n5,1e1\n",
			want: &dataset.Dataset{
				Features: []string{"x"}, Classes: []string{"-1", "9", "10"},
				X: mat.NewDense(5, 1, []float64{1, 2, 3, 4, 5}), Y: []int{2, 1, 0, 1, 2},
			},
		},
		{
			name: "mixed labels sorted by bytes",
			in:   "x,y\n1,10\n2,9\n3,b\n4,B\n",
			want: &dataset.Dataset{
				Features: []string{"x"}, Classes: []string{"10", "9", "B", "b"},
				X: mat.NewDense(4, 1, []float64{1, 2, 3, 4}), Y: []int{0, 1, 3, 2},
			},
		},
		{
			name: "number syntax pandas reads",
			in:   "a,b,c,d,y\n+1,.5,1.,-.25E+2,p\n 3\t,1e-3,0,+0.0,p\n",
			want: &dataset.Dataset{
				Features: []string{"a", "b", "c", "d"}, Classes: []string{"p"},
				X: mat.NewDense(2, 4, []float64{1, 0.5, 1, -25, 3, 0.001, 0, 0}), Y: []int{0, 0},
			},
		},
		{
			name: "label by name, classes given",
			in:   "y,a,b\ndog,1,2\ncat,3,4\n",
			opts: dataset.CSVOptions{Label: "y", Classes: []string{"cat", "dog"}},
			want: &dataset.Dataset{
				Features: []string{"a", "b"}, Classes: []string{"cat", "dog"},
				X: mat.NewDense(2, 2, []float64{1, 2, 3, 4}), Y: []int{1, 0},
			},
		},
		{
			name: "spaces, quotes, BOM, CRLF, exponent",
			in:   "\ufeffa,\"b c\",y\r\n 1 ,\"2e3\",x\r\n-0.5,  7,x\r\n",
			want: &dataset.Dataset{
				Features: []string{"a", "b c"}, Classes: []string{"x"},
				X: mat.NewDense(2, 2, []float64{1, 2000, -0.5, 7}), Y: []int{0, 0},
			},
		},
		{
			name: "semicolon separated",
			in:   "a;y\n1;p\n2;q\n",
			opts: dataset.CSVOptions{Comma: ';', MinClasses: 2},
			want: &dataset.Dataset{
				Features: []string{"a"}, Classes: []string{"p", "q"},
				X: mat.NewDense(2, 1, []float64{1, 2}), Y: []int{0, 1},
			},
		},
		{
			name: "non-finite allowed",
			in:   "a,y\nNaN,p\n+Inf,q\n,p\nNA,p\n-infinity,q\nnan,p\n",
			opts: dataset.CSVOptions{AllowNonFinite: true},
			want: &dataset.Dataset{
				Features: []string{"a"}, Classes: []string{"p", "q"},
				X: mat.NewDense(6, 1, []float64{math.NaN(), math.Inf(1), math.NaN(), math.NaN(), math.Inf(-1), math.NaN()}),
				Y: []int{0, 1, 0, 0, 1, 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dataset.ReadCSV(strings.NewReader(tt.in), tt.opts)
			if err != nil {
				t.Fatalf("ReadCSV(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpDense); diff != "" {
				t.Errorf("ReadCSV(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// cmpDense compares matrices by shape and values (NaN equal to NaN).
var cmpDense = cmp.Comparer(func(a, b *mat.Dense) bool {
	if a == nil || b == nil {
		return a == b
	}
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if ar != br || ac != bc {
		return false
	}
	for i := range ar {
		for j := range ac {
			x, y := a.At(i, j), b.At(i, j)
			if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
				return false
			}
		}
	}
	return true
})

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		opts     dataset.CSVOptions
		want     error
		line     int
		column   int
		checkPos bool
	}{
		{name: "empty", in: "", want: dataset.ErrEmpty},
		{name: "header only", in: "a,y\n", want: dataset.ErrEmpty, line: 2, checkPos: true},
		{name: "ragged short", in: "a,b,y\n1,2,p\n1,p\n", want: dataset.ErrRagged, line: 3, checkPos: true},
		{name: "ragged long", in: "a,y\n1,p\n1,2,p\n", want: dataset.ErrRagged, line: 3, checkPos: true},
		{name: "not a number", in: "a,b,y\n1,2,p\n1,x,p\n", want: dataset.ErrNotNumber, line: 3, column: 2, checkPos: true},
		{name: "empty cell", in: "a,b,y\n1,,p\n", want: dataset.ErrNonFinite, line: 2, column: 2, checkPos: true},
		{name: "NaN", in: "a,y\nNaN,p\n", want: dataset.ErrNonFinite, line: 2, column: 1, checkPos: true},
		{name: "NA", in: "a,y\nNA,p\n", want: dataset.ErrNonFinite, line: 2, column: 1, checkPos: true},
		{name: "Inf", in: "a,y\n1,p\n-Inf,q\n", want: dataset.ErrNonFinite, line: 3, column: 1, checkPos: true},
		{name: "inf", in: "a,y\n1,p\ninf,q\n", want: dataset.ErrNonFinite, line: 3, column: 1, checkPos: true},
		{name: "overflow", in: "a,y\n1e999,p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "Go digit separators", in: "a,y\n1_000,p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "Go hex float", in: "a,y\n0x1p3,p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "hex integer", in: "a,y\n0x10,p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "Go octal", in: "a,y\n0o17,p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "Go Inf spelling with junk", in: "a,y\ninfx,p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "two signs", in: "a,y\n+-1,p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "unicode space", in: "a,y\n\u00a01,p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "NaN with a sign and payload", in: "a,y\nnan(1),p\n", want: dataset.ErrNotNumber, line: 2, column: 1, checkPos: true},
		{name: "duplicate header", in: "a,b,a,y\n1,2,3,p\n", want: dataset.ErrDuplicateHeader, line: 1, column: 3, checkPos: true},
		{name: "empty header", in: "a,,y\n1,2,p\n", want: dataset.ErrEmptyHeader, line: 1, column: 2, checkPos: true},
		{name: "missing label", in: "a,y\n1,p\n", opts: dataset.CSVOptions{Label: "z"}, want: dataset.ErrNoLabel},
		{name: "label only", in: "y\np\n", want: dataset.ErrNoFeatures},
		{name: "unknown class", in: "a,y\n1,p\n2,r\n", opts: dataset.CSVOptions{Classes: []string{"p", "q"}},
			want: dataset.ErrUnknownClass, line: 3, column: 2, checkPos: true},
		{name: "empty label", in: "a,y\n1,\n", want: dataset.ErrUnknownClass},
		{name: "one class", in: "a,y\n1,p\n2,p\n", opts: dataset.CSVOptions{MinClasses: 2}, want: dataset.ErrTooFewClasses},
		{name: "one class of two given", in: "a,y\n1,p\n", opts: dataset.CSVOptions{Classes: []string{"p", "q"}, MinClasses: 2},
			want: dataset.ErrTooFewClasses},
		{name: "duplicate given class", in: "a,y\n1,p\n", opts: dataset.CSVOptions{Classes: []string{"p", "p"}}, want: dataset.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dataset.ReadCSV(strings.NewReader(tt.in), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadCSV(%q) = %v, %v; want error %v", tt.in, got, err, tt.want)
			}
			if !tt.checkPos {
				return
			}
			var pe *dataset.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ReadCSV(%q) error %T is not a *ParseError", tt.in, err)
			}
			if pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("ReadCSV(%q) error at line %d column %d, want %d, %d (%v)", tt.in, pe.Line, pe.Column, tt.line, tt.column, err)
			}
		})
	}
}

func TestReadCSVQuoteError(t *testing.T) {
	_, err := dataset.ReadCSV(strings.NewReader("a,y\n1,p\n\"2,q\n"), dataset.CSVOptions{})
	var pe *dataset.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Fatalf("ReadCSV with a stray quote = %v, want a *ParseError on line 3", err)
	}
}

func TestValidate(t *testing.T) {
	good := func() *dataset.Dataset {
		return &dataset.Dataset{
			Features: []string{"a", "b"}, Classes: []string{"p", "q"},
			X: mat.NewDense(2, 2, []float64{1, 2, 3, 4}), Y: []int{0, 1},
		}
	}
	tests := []struct {
		name   string
		break_ func(*dataset.Dataset)
	}{
		{"nil X", func(d *dataset.Dataset) { d.X = nil }},
		{"feature count", func(d *dataset.Dataset) { d.Features = d.Features[:1] }},
		{"label count", func(d *dataset.Dataset) { d.Y = d.Y[:1] }},
		{"label range", func(d *dataset.Dataset) { d.Y[1] = 2 }},
		{"negative label", func(d *dataset.Dataset) { d.Y[1] = -1 }},
		{"duplicate feature", func(d *dataset.Dataset) { d.Features[1] = "a" }},
		{"empty class", func(d *dataset.Dataset) { d.Classes[0] = "" }},
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("Validate() of a good data set = %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good()
			tt.break_(d)
			if err := d.Validate(); !errors.Is(err, dataset.ErrInvalid) {
				t.Errorf("Validate() = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestSubset(t *testing.T) {
	d := &dataset.Dataset{
		Features: []string{"a"}, Classes: []string{"p", "q"},
		X: mat.NewDense(3, 1, []float64{10, 20, 30}), Y: []int{0, 1, 0},
	}
	got, err := d.Subset([]int{2, 0, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := &dataset.Dataset{
		Features: []string{"a"}, Classes: []string{"p", "q"},
		X: mat.NewDense(3, 1, []float64{30, 10, 30}), Y: []int{0, 0, 0},
	}
	if diff := cmp.Diff(want, got, cmpDense); diff != "" {
		t.Errorf("Subset (-want +got):\n%s", diff)
	}
	got.X.Set(0, 0, -1)
	if d.X.At(2, 0) != 30 {
		t.Error("Subset shares memory with its source")
	}
	for _, idx := range [][]int{{3}, {-1}} {
		if _, err := d.Subset(idx); !errors.Is(err, dataset.ErrBadIndex) {
			t.Errorf("Subset(%v) = %v, want ErrBadIndex", idx, err)
		}
	}
	empty, err := d.Subset(nil)
	if err != nil || empty.Len() != 0 {
		t.Errorf("Subset(nil) = %v, %v; want an empty data set", empty, err)
	}
}

func TestDigest(t *testing.T) {
	mk := func() *dataset.Dataset {
		return &dataset.Dataset{
			Features: []string{"a", "b"}, Classes: []string{"p", "q"},
			X: mat.NewDense(2, 2, []float64{1, 2, 3, 4}), Y: []int{0, 1},
		}
	}
	base := mk().Digest()
	if !strings.HasPrefix(base, "sha256:") || len(base) != 7+64 {
		t.Fatalf("Digest() = %q, want sha256:<64 hex>", base)
	}
	if mk().Digest() != base {
		t.Error("Digest is not deterministic")
	}
	changes := map[string]func(*dataset.Dataset){
		"value":         func(d *dataset.Dataset) { d.X.Set(1, 1, 4.000000000000001) },
		"negative zero": func(d *dataset.Dataset) { d.X.Set(0, 0, 0); d.X.Set(0, 0, math.Copysign(0, -1)) },
		"label":         func(d *dataset.Dataset) { d.Y[0] = 1 },
		"feature name":  func(d *dataset.Dataset) { d.Features[0] = "A" },
		"class order":   func(d *dataset.Dataset) { d.Classes[0], d.Classes[1] = "q", "p" },
		"name split":    func(d *dataset.Dataset) { d.Features = []string{"ab", ""} },
		"shape":         func(d *dataset.Dataset) { d.X = mat.NewDense(1, 4, []float64{1, 2, 3, 4}) },
	}
	for name, change := range changes {
		d := mk()
		change(d)
		if d.Digest() == base {
			t.Errorf("changing the %s leaves the digest unchanged", name)
		}
	}
	// NaNs of any payload digest alike.
	a, b := mk(), mk()
	a.X.Set(0, 0, math.NaN())
	b.X.Set(0, 0, math.Float64frombits(0x7ff0000000000abc))
	if a.Digest() != b.Digest() {
		t.Error("two NaNs digest differently")
	}
}

// The digest of the embedded data is pinned: a change to the encoding, the
// file or the parser shows here.
func TestDigestBreastCancerPinned(t *testing.T) {
	const want = "sha256:" + breastCancerDigest
	if got := dataset.BreastCancer().Digest(); got != want {
		t.Errorf("BreastCancer().Digest() = %s, want %s", got, want)
	}
}

// breastCancerDigest was computed by testdata/digest.py, a second
// implementation of the canonical encoding, from data/breast_cancer.csv.
const breastCancerDigest = "eb8639ccbc46ae1b3599a7aea876e3ed4a6e5fe2e5ebcd5b850f78e81506c901"

// TestReadCSVErrorSize checks that an error about a huge field quotes a
// bounded part of it: a 50 MB field gave a 52 MB error string.
func TestReadCSVErrorSize(t *testing.T) {
	huge := strings.Repeat("x", 50<<20)
	for _, tc := range []struct {
		name string
		in   string
		opts dataset.CSVOptions
	}{
		{"not a number", "a,y\n" + huge + ",p\n", dataset.CSVOptions{}},
		{"unknown class", "a,y\n1," + huge + "\n", dataset.CSVOptions{Classes: []string{"p"}}},
		{"duplicate header", huge + "," + huge + ",y\n1,2,p\n", dataset.CSVOptions{}},
		{"missing label column", "a,y\n1,p\n", dataset.CSVOptions{Label: huge}},
		{"few classes", "a," + huge + "\n1,p\n", dataset.CSVOptions{MinClasses: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dataset.ReadCSV(strings.NewReader(tc.in), tc.opts)
			if err == nil {
				t.Fatal("ReadCSV: no error")
			}
			if n := len(err.Error()); n > 300 {
				t.Errorf("ReadCSV error is %d bytes long, want at most 300: %.200s", n, err)
			}
		})
	}
}
