package dataset_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/dataset"
)

// FuzzReadCSV checks that ReadCSV never panics, that it returns either an
// error or a valid data set, and that a data set it returns survives being
// written back as CSV and read again with the same digest.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b,y\n1,2,p\n3,4,q\n",
		"y,a\np,1\n",
		"a,y\nNaN,p\n",
		"a,a,y\n1,2,p\n",
		"\"a\nb\",y\n1,p\n",
		"a,y\n1e999,p\n0x1p-3,q\n",
		"a,y\n1_000,2\n+.5,10\n-inf,9\n,1.0\n",
		"x,y\n1,1\n2,0\n",
		"",
	} {
		f.Add([]byte(s), "", false)
	}
	f.Add([]byte("a,y\n1,p\n"), "y", true)
	f.Fuzz(func(t *testing.T, in []byte, label string, allowNonFinite bool) {
		opts := dataset.CSVOptions{Label: label, AllowNonFinite: allowNonFinite}
		ds, err := dataset.ReadCSV(bytes.NewReader(in), opts)
		if err != nil {
			if ds != nil {
				t.Fatal("ReadCSV returned a data set and an error")
			}
			var pe *dataset.ParseError
			if !errors.As(err, &pe) && !errors.Is(err, dataset.ErrInvalid) {
				t.Fatalf("ReadCSV error %T is not a *ParseError: %v", err, err)
			}
			return
		}
		if err := ds.Validate(); err != nil {
			t.Fatalf("ReadCSV returned an invalid data set: %v", err)
		}
		checkClassOrder(t, ds.Classes)
		var buf bytes.Buffer
		writeCSV(&buf, ds)
		again, err := dataset.ReadCSV(&buf, dataset.CSVOptions{Label: "\x00label", Classes: ds.Classes, AllowNonFinite: true})
		if err != nil {
			t.Fatalf("re-reading %q: %v", buf.String(), err)
		}
		if again.Digest() != ds.Digest() {
			t.Fatalf("round trip changed the digest")
		}
	})
}

// checkClassOrder checks that classes are in scikit-learn's order: strictly
// increasing numbers when all are numbers, else strictly increasing bytes.
func checkClassOrder(t *testing.T, classes []string) {
	t.Helper()
	values := make([]float64, len(classes))
	numeric := true
	for i, c := range classes {
		v, err := strconv.ParseFloat(c, 64)
		if err != nil || strconv.FormatFloat(v, 'g', -1, 64) != c {
			numeric = false
			break
		}
		values[i] = v
	}
	for i := 1; i < len(classes); i++ {
		if numeric && !(values[i-1] < values[i]) || !numeric && !(classes[i-1] < classes[i]) {
			t.Fatalf("Classes %q are not sorted as scikit-learn sorts them", classes)
		}
	}
}

// writeCSV writes ds with the label last under the column name "\x00label",
// quoting every field.
func writeCSV(buf *bytes.Buffer, ds *dataset.Dataset) {
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	for _, name := range ds.Features {
		buf.WriteString(q(name) + ",")
	}
	buf.WriteString(q("\x00label") + "\n")
	for i, y := range ds.Y {
		for _, v := range ds.X.RawRowView(i) {
			buf.WriteString(q(strconvFloat(v)) + ",")
		}
		buf.WriteString(q(ds.Classes[y]) + "\n")
	}
}

func strconvFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
