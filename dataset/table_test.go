package dataset_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/dataset"
)

var nan = math.NaN()

func TestReadTable(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		opts    dataset.TableOptions
		cols    []dataset.Column
		x       []float64
		classes []string
		y       []int
	}{
		{
			name:    "numbers, text and missing values",
			in:      "a,b,y\n1.5,red,p\nNA,,q\n,blue,p\n-2,red,q\n",
			cols:    []dataset.Column{{Name: "a", Type: dataset.Number}, {Name: "b", Type: dataset.Text, Levels: []string{"blue", "red"}}},
			x:       []float64{1.5, 1, nan, nan, nan, 0, -2, 1},
			classes: []string{"p", "q"},
			y:       []int{0, 1, 0, 1},
		},
		{
			name:    "every pandas missing marker",
			in:      "a,y\n" + strings.Join(missingMarkers(), ",1\n") + ",1\n7,0\n",
			cols:    []dataset.Column{{Name: "a", Type: dataset.Number}},
			classes: []string{"0", "1"},
		},
		{
			name:    "numeric target sorted numerically",
			in:      "a,y\n1,10\n2,9\n3,10.0\n4,-1\n",
			cols:    []dataset.Column{{Name: "a", Type: dataset.Number}},
			x:       []float64{1, 2, 3, 4},
			classes: []string{"-1", "9", "10"},
			y:       []int{2, 1, 2, 0},
		},
		{
			name:    "text target sorted by bytes, target by name",
			in:      "y,a\nb,1\nB,2\na,3\n",
			opts:    dataset.TableOptions{Target: "y"},
			cols:    []dataset.Column{{Name: "a", Type: dataset.Number}},
			x:       []float64{1, 2, 3},
			classes: []string{"B", "a", "b"},
			y:       []int{2, 0, 1},
		},
		{
			name:    "a column that turns to text keeps the text of its numbers",
			in:      "a,y\n1.50,p\nNA,q\n2,p\nx,q\n1.50,p\n",
			cols:    []dataset.Column{{Name: "a", Type: dataset.Text, Levels: []string{"1.50", "2", "x"}}},
			x:       []float64{0, nan, 1, 2, 0},
			classes: []string{"p", "q"},
			y:       []int{0, 1, 0, 1, 0},
		},
		{
			name:    "a target that turns to text",
			in:      "a,y\n1,10\n2,9\n3,x\n",
			cols:    []dataset.Column{{Name: "a", Type: dataset.Number}},
			x:       []float64{1, 2, 3},
			classes: []string{"10", "9", "x"},
			y:       []int{0, 1, 2},
		},
		{
			name:    "types given, columns ignored, semicolons",
			in:      "id;a;b;y\n7;1;2;p\n8;1;3;q\n",
			opts:    dataset.TableOptions{Types: map[string]dataset.ColumnType{"a": dataset.Text, "y": dataset.Text}, Ignore: []string{"id"}, Comma: ';'},
			cols:    []dataset.Column{{Name: "a", Type: dataset.Text, Levels: []string{"1"}}, {Name: "b", Type: dataset.Number}},
			x:       []float64{0, 2, 0, 3},
			classes: []string{"p", "q"},
			y:       []int{0, 1},
		},
		{
			name:    "quotes, CRLF, blank lines, BOM, spaces kept in text",
			in:      "\ufeff\"a\",\"b \"\"q\"\"\",y\r\n\r\n\" 2 \",\" x\ny\",p\r\n3,\"\",q",
			cols:    []dataset.Column{{Name: "a", Type: dataset.Number}, {Name: `b "q"`, Type: dataset.Text, Levels: []string{" x\ny"}}},
			x:       []float64{2, 0, 3, nan},
			classes: []string{"p", "q"},
			y:       []int{0, 1},
		},
		{
			name:    "infinity in a column that is text",
			in:      "a,y\ninf,p\nx,q\n",
			cols:    []dataset.Column{{Name: "a", Type: dataset.Text, Levels: []string{"inf", "x"}}},
			x:       []float64{0, 1},
			classes: []string{"p", "q"},
			y:       []int{0, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := dataset.ReadTable(strings.NewReader(tt.in), tt.opts)
			if err != nil {
				t.Fatalf("ReadTable: %v", err)
			}
			if diff := cmp.Diff(tt.cols, tab.Columns); diff != "" {
				t.Errorf("Columns (-want +got):\n%s", diff)
			}
			if tt.x != nil {
				if diff := cmp.Diff(tt.x, tab.X.RawMatrix().Data, cmpopts.EquateNaNs()); diff != "" {
					t.Errorf("X (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.classes, tab.Classes); diff != "" {
				t.Errorf("Classes (-want +got):\n%s", diff)
			}
			if tt.y != nil {
				if diff := cmp.Diff(tt.y, tab.Y); diff != "" {
					t.Errorf("Y (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func missingMarkers() []string {
	return []string{"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
		"1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
}

func TestReadTableErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opts   dataset.TableOptions
		want   error
		line   int
		column int
		msg    string // a part of the message: the column's name
	}{
		{"empty", "", dataset.TableOptions{}, dataset.ErrEmpty, 0, 0, ""},
		{"no rows", "a,y\n", dataset.TableOptions{}, dataset.ErrEmpty, 2, 0, ""},
		{"ragged", "a,y\n1,p\n2\n", dataset.TableOptions{}, dataset.ErrRagged, 3, 0, ""},
		{"text where the type is number", "a,b,y\n1,2,p\n3,x,q\n", dataset.TableOptions{Types: map[string]dataset.ColumnType{"b": dataset.Number}}, dataset.ErrNotNumber, 3, 2, `"b"`},
		{"infinite number", "a,y\n1,p\n-inf,q\n", dataset.TableOptions{}, dataset.ErrNonFinite, 3, 1, `"a"`},
		{"one class", "a,y\n1,p\n2,p\n", dataset.TableOptions{}, dataset.ErrTooFewClasses, 0, 2, `"y"`},
		{"all missing", "a,b,y\n1,,p\nNA,NA,q\n", dataset.TableOptions{}, dataset.ErrAllMissing, 0, 2, `"b"`},
		{"missing target", "a,y\n1,p\n2,NA\n", dataset.TableOptions{}, dataset.ErrMissingTarget, 3, 2, `"y"`},
		{"no target", "a,y\n1,p\n", dataset.TableOptions{Target: "z"}, dataset.ErrNoLabel, 1, 0, `"z"`},
		{"unknown column in Types", "a,y\n1,p\n", dataset.TableOptions{Types: map[string]dataset.ColumnType{"b": dataset.Text}}, dataset.ErrNoColumn, 1, 0, `"b"`},
		{"duplicate header", "a,a,y\n1,2,p\n", dataset.TableOptions{}, dataset.ErrDuplicateHeader, 1, 2, `"a"`},
		{"empty header", "a,,y\n1,2,p\n", dataset.TableOptions{}, dataset.ErrEmptyHeader, 1, 2, ""},
		{"only a target", "y\np\n", dataset.TableOptions{}, dataset.ErrNoFeatures, 1, 0, ""},
		{"open quote", "a,y\n1,p\n\"2,q\n", dataset.TableOptions{}, dataset.ErrSyntax, 3, 1, ""},
		{"text after a quote", "a,y\n\"1\"x,p\n", dataset.TableOptions{}, dataset.ErrSyntax, 2, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dataset.ReadTable(strings.NewReader(tt.in), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadTable(%q) = %v, want %v", tt.in, err, tt.want)
			}
			var pe *dataset.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ReadTable(%q) = %T, want a *ParseError", tt.in, err)
			}
			if pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("ReadTable(%q) at line %d, column %d; want %d, %d (%v)", tt.in, pe.Line, pe.Column, tt.line, tt.column, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ReadTable(%q) = %q, want it to name %s", tt.in, err, tt.msg)
			}
		})
	}
	if _, err := dataset.ReadTable(strings.NewReader("a,y\n1,p\n"), dataset.TableOptions{Comma: '"'}); !errors.Is(err, dataset.ErrInvalid) {
		t.Errorf("ReadTable with Comma '\"' = %v, want ErrInvalid", err)
	}
}

func TestTableSubset(t *testing.T) {
	tab, err := dataset.ReadTable(strings.NewReader("a,b,y\n1,u,p\n2,v,q\n3,,p\n"), dataset.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := tab.Subset([]int{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{{sub.Value(0, 0), sub.Value(0, 1)}, {sub.Value(1, 0), sub.Value(1, 1)}}
	if diff := cmp.Diff([][]string{{"3", ""}, {"1", "u"}}, got); diff != "" {
		t.Errorf("Subset values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 0}, sub.Y); diff != "" {
		t.Errorf("Subset Y (-want +got):\n%s", diff)
	}
	sub.Columns[1].Levels[0] = "changed"
	if tab.Columns[1].Levels[0] != "u" {
		t.Error("Subset shares its levels with the table")
	}
	if _, err := tab.Subset([]int{3}); !errors.Is(err, dataset.ErrBadIndex) {
		t.Errorf("Subset([3]) = %v, want ErrBadIndex", err)
	}
	if _, err := (&dataset.Table{Columns: tab.Columns, Y: tab.Y}).Subset([]int{0}); !errors.Is(err, dataset.ErrInvalid) {
		t.Errorf("Subset of a table without X = %v, want ErrInvalid", err)
	}
}

func TestPenguins(t *testing.T) {
	tab := dataset.Penguins()
	checkTable(t, tab)
	if diff := cmp.Diff([]string{"Adelie", "Chinstrap", "Gentoo"}, tab.Classes); diff != "" {
		t.Errorf("Classes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{152, 68, 124}, tab.ClassCounts()); diff != "" {
		t.Errorf("class counts (-want +got):\n%s", diff)
	}
	wantCols := []dataset.Column{
		{Name: "island", Type: dataset.Text, Levels: []string{"Biscoe", "Dream", "Torgersen"}},
		{Name: "bill_length_mm", Type: dataset.Number},
		{Name: "bill_depth_mm", Type: dataset.Number},
		{Name: "flipper_length_mm", Type: dataset.Number},
		{Name: "body_mass_g", Type: dataset.Number},
		{Name: "sex", Type: dataset.Text, Levels: []string{"female", "male"}},
		{Name: "year", Type: dataset.Number},
	}
	if diff := cmp.Diff(wantCols, tab.Columns); diff != "" {
		t.Errorf("Columns (-want +got):\n%s", diff)
	}
	missing := make([]int, len(tab.Columns))
	for i := range tab.Len() {
		for j := range tab.Columns {
			if math.IsNaN(tab.X.At(i, j)) {
				missing[j]++
			}
		}
	}
	if diff := cmp.Diff([]int{0, 2, 2, 2, 2, 11, 0}, missing); diff != "" {
		t.Errorf("missing cells per column (-want +got):\n%s", diff)
	}
	// Row 0 of the file: Adelie,Torgersen,39.1,18.7,181,3750,male,2007.
	row := []string{}
	for j := range tab.Columns {
		row = append(row, tab.Value(0, j))
	}
	if diff := cmp.Diff([]string{"Torgersen", "39.1", "18.7", "181", "3750", "male", "2007"}, row); diff != "" {
		t.Errorf("row 0 (-want +got):\n%s", diff)
	}
	tab.X.Set(0, 1, -1)
	if dataset.Penguins().X.At(0, 1) != 39.1 {
		t.Error("Penguins shares its matrix between calls")
	}
}

// The embedded file is Debian's r-cran-palmerpenguins copy, whose hash
// data/README.md gives.
func TestPenguinsFileHash(t *testing.T) {
	b, err := os.ReadFile("data/penguins.csv")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	const want = "f204db2c753b0937caac3cb35258562c14f073e4bbc76be24b4c51ce22767a93"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("sha256(data/penguins.csv) = %s, want %s", got, want)
	}
}

func TestTableSetPositive(t *testing.T) {
	tab, err := dataset.ReadTable(strings.NewReader("a,y\n1,no\n2,yes\n3,no\n"), dataset.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.SetPositive("yes"); err != nil || !cmp.Equal(tab.Classes, []string{"no", "yes"}) || !cmp.Equal(tab.Y, []int{0, 1, 0}) {
		t.Errorf("SetPositive(yes) = %v: %v %v", err, tab.Classes, tab.Y)
	}
	if err := tab.SetPositive("no"); err != nil || !cmp.Equal(tab.Classes, []string{"yes", "no"}) || !cmp.Equal(tab.Y, []int{1, 0, 1}) {
		t.Errorf("SetPositive(no) = %v: %v %v", err, tab.Classes, tab.Y)
	}
	if err := tab.SetPositive("maybe"); !errors.Is(err, dataset.ErrUnknownClass) {
		t.Errorf("SetPositive(maybe) = %v, want ErrUnknownClass", err)
	}
	if err := dataset.Penguins().SetPositive("Gentoo"); !errors.Is(err, dataset.ErrInvalid) {
		t.Errorf("SetPositive on three classes = %v, want ErrInvalid", err)
	}
}

// A large input is read in two halves at once; the table must be the one
// a single pass reads (forced here by a quoted cell), columns that turn to
// text in either half included, and an error must name the same line.
func TestReadTableHalves(t *testing.T) {
	const rows = 400_000 // about 10 MB
	var b strings.Builder
	b.WriteString("a,b,c,d,y\n")
	for i := range rows {
		half := i >= rows/2
		a := strconv.Itoa(i % 7) // numbers, then text late in the second half
		if half && i%1000 == 999 {
			a = "x" + strconv.Itoa(i%3)
		}
		bcol := "v" + strconv.Itoa((rows-i)%11) // text everywhere, levels met in other orders
		c := strconv.FormatFloat(float64(i)/8, 'f', -1, 64)
		if i%13 == 0 {
			c = "NA"
		}
		d := "1.5" // text only in the first half
		if !half && i%5000 == 4999 {
			d = "low"
		}
		y := "p"
		if i%3 == 0 {
			y = "q"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s\n", a, bcol, c, d, y)
	}
	in := b.String()
	// The same table with a quoted cell, read in one pass.
	one, err := dataset.ReadTable(strings.NewReader(strings.Replace(in, ",v1,", `,"v1",`, 1)), dataset.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	two, err := dataset.ReadTable(strings.NewReader(in), dataset.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(one.Columns, two.Columns); diff != "" {
		t.Fatalf("Columns (-one pass +halves):\n%s", diff)
	}
	if !cmp.Equal(one.X.RawMatrix().Data, two.X.RawMatrix().Data, cmpopts.EquateNaNs()) || !cmp.Equal(one.Y, two.Y) || !cmp.Equal(one.Classes, two.Classes) {
		t.Fatal("the halves read another table than one pass")
	}
	if one.Columns[0].Type != dataset.Text || one.Columns[3].Type != dataset.Text || one.Columns[2].Type != dataset.Number {
		t.Errorf("types %v", one.Columns)
	}

	k := strings.LastIndex(in[:len(in)-40], "\n") + 1
	bad := in[:k] + "1,v1,2,1.5\n" + in[k:]
	line := strings.Count(in[:k], "\n") + 1
	for i, s := range []string{bad, strings.Replace(bad, ",v1,", `,"v1",`, 1)} {
		_, err := dataset.ReadTable(strings.NewReader(s), dataset.TableOptions{})
		var pe *dataset.ParseError
		if !errors.As(err, &pe) || pe.Line != line || !errors.Is(err, dataset.ErrRagged) {
			t.Errorf("ReadTable of a short row (one pass: %v) = %v, want ErrRagged at line %d", i == 1, err, line)
		}
	}
}
