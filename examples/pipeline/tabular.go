package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// The data the pipeline runs on is chosen by three global flags: -data
// names an embedded set (breast-cancer, the default, or penguins) or the
// path of a CSV file, -target the column to predict and -positive the
// class whose F1 scores a two-class model.

// dataFlags are the global flags that choose the data.
type dataFlags struct{ data, target, positive string }

func (f *dataFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "breast-cancer",
		"the data: breast-cancer or penguins (embedded), or the `path` of a CSV file (write ./penguins for a file of that name)")
	fs.StringVar(&f.target, "target", "",
		"the `column` to predict (default: diagnosis for breast-cancer, species for penguins; required with a CSV file)")
	fs.StringVar(&f.positive, "positive", "",
		"the positive `label` of a two-class target, scored by F1 (default: the second of the sorted labels, scikit-learn's pos_label=1)")
}

// source is the data a command works on and the names it goes by.
type source struct {
	// embedded is "breast-cancer" or "penguins" for an embedded set
	// (kept as a file in DIR/data/, written from the embedded copy when
	// missing), "" for a file of the user's at path.
	embedded string
	path     string
	name     string // the data set in the repository
	file     string // the file's name in a version
	model    string // the registered model and the experiment
	target   string
	positive string // as given; "" means the default
}

// defaultSource is the embedded breast-cancer set, as the pipeline has
// always run it.
func defaultSource() *source {
	return &source{embedded: "breast-cancer", name: dataName, file: dataFile, model: modelName, target: "diagnosis"}
}

// source resolves the flags. Mistakes found without reading any data
// (a file without -target) are usage errors.
func (f *dataFlags) source() (*source, error) {
	switch f.data {
	case "", "breast-cancer":
		s := defaultSource()
		if f.target != "" && f.target != s.target {
			return nil, fmt.Errorf("-target %q: the breast-cancer data predicts diagnosis (use -data PATH for a CSV of your own)", f.target)
		}
		s.positive = f.positive
		return s, nil
	case "penguins":
		s := &source{embedded: "penguins", name: "penguins", file: "penguins.csv", model: "penguins", target: "species", positive: f.positive}
		if f.target != "" && f.target != s.target {
			s.target, s.model = f.target, "penguins-"+safeName(f.target)
		}
		return s, nil
	}
	if f.target == "" {
		return nil, fmt.Errorf("-data %s needs -target COLUMN, the column to predict", f.data)
	}
	base := filepath.Base(f.data)
	name := safeName(strings.TrimSuffix(base, filepath.Ext(base)))
	return &source{path: f.data, name: name, file: base, model: name + "-" + safeName(f.target), target: f.target, positive: f.positive}, nil
}

// source returns what the command works on; an app made without one (in
// tests) works on the default.
func (a *app) source() *source {
	if a.src == nil {
		a.src = defaultSource()
	}
	return a.src
}

// safeName turns s into a name the data repository and the registry take:
// ASCII letters, digits, '.', '_' and '-', starting with a letter or a
// digit, at most 64 bytes; "data" if nothing is left.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	s = strings.TrimLeft(string(b), "._-")
	if len(s) > 64 {
		s = s[:64]
	}
	if s == "" {
		return "data"
	}
	return s
}

// dataPath is the file to version: the user's, or the embedded set's copy
// in DIR/data/, written first if it is missing (edit it, and the next run
// versions and trains on the edit).
func (a *app) dataPath() (string, error) {
	src := a.source()
	if src.embedded == "" {
		info, err := os.Stat(src.path)
		switch {
		case err != nil:
			return "", fmt.Errorf("data: %w", err)
		case !info.Mode().IsRegular():
			return "", fmt.Errorf("data: %s is not a file", src.path)
		}
		return src.path, nil
	}
	path := filepath.Join(a.dir, "data", src.file)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if src.embedded == "penguins" {
			err = writeTableCSV(path, dataset.Penguins())
		} else {
			err = writeCSV(path, dataset.BreastCancer())
		}
		if err != nil {
			return "", fmt.Errorf("data: %w", err)
		}
	}
	return path, nil
}

// loadTable reads a version of the data from the repository (which checks
// every byte against its digest). The breast-cancer set is read as before,
// with its classes in scikit-learn's order (malignant 0, benign 1), and
// held as a table of numbers; any other table is read as pandas' read_csv
// reads it.
func (a *app) loadTable(ctx context.Context, v dataset.Version) (*dataset.Table, error) {
	src := a.source()
	fsys, err := a.repo.FS(ctx, v.Name, v.Digest)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	f, err := fsys.Open(src.file)
	if err != nil {
		return nil, fmt.Errorf("data: %s holds no %s: %w", v, src.file, err)
	}
	defer f.Close()
	if src.embedded == "breast-cancer" {
		ds, err := dataset.ReadCSV(bufio.NewReader(f), dataset.CSVOptions{
			Label:      "diagnosis",
			Classes:    []string{"malignant", "benign"},
			MinClasses: 2,
		})
		if err != nil {
			return nil, fmt.Errorf("data: %s of %s: %w", src.file, v, err)
		}
		cols := make([]dataset.Column, len(ds.Features))
		for j, name := range ds.Features {
			cols[j] = dataset.Column{Name: name, Type: dataset.Number}
		}
		return &dataset.Table{Columns: cols, X: ds.X, Target: "diagnosis", Classes: ds.Classes, Y: ds.Y}, nil
	}
	tab, err := dataset.ReadTable(f, dataset.TableOptions{Target: src.target})
	switch {
	case errors.Is(err, dataset.ErrNoLabel):
		cols := ""
		if names := a.header(ctx, v); len(names) > 0 {
			cols = " (its columns: " + clip(strings.Join(names, ", "), 200) + ")"
		}
		return nil, fmt.Errorf("data: %s has no column %q to predict%s", src.file, src.target, cols)
	case errors.Is(err, dataset.ErrTooFewClasses):
		return nil, fmt.Errorf("data: the target column %q of %s holds a single class; a classifier needs two or more", src.target, src.file)
	case err != nil:
		return nil, fmt.Errorf("data: %s of %s: %w", src.file, v, err)
	}
	return tab, nil
}

// header reads the column names of a version's file, for an error
// message; nil if it cannot.
func (a *app) header(ctx context.Context, v dataset.Version) []string {
	fsys, err := a.repo.FS(ctx, v.Name, v.Digest)
	if err != nil {
		return nil
	}
	f, err := fsys.Open(a.source().file)
	if err != nil {
		return nil
	}
	defer f.Close()
	r := csv.NewReader(io.LimitReader(f, 1<<20))
	r.FieldsPerRecord = -1
	names, err := r.Read()
	if err != nil {
		return nil
	}
	return names
}

// setPositive makes the -positive label class 1 of tab, as a
// one-line error the user can act on.
func setPositive(tab *dataset.Table, label string) error {
	if label == "" {
		return nil
	}
	err := tab.SetPositive(label)
	switch {
	case errors.Is(err, dataset.ErrUnknownClass):
		return fmt.Errorf("data: -positive %q is not a class of the target %q (its classes: %s)", label, tab.Target, clip(strings.Join(tab.Classes, ", "), 200))
	case err != nil:
		return fmt.Errorf("data: -positive needs a target of two classes; %q has %d (%s), scored by macro F1", tab.Target, len(tab.Classes), clip(strings.Join(tab.Classes, ", "), 200))
	}
	return nil
}

// positiveOf is the class whose F1 scores a model of tab: the second of
// two classes, "" (macro F1) for more.
func positiveOf(tab *dataset.Table) string {
	if len(tab.Classes) == 2 {
		return tab.Classes[1]
	}
	return ""
}

// baseConfig is the baseline both stages start from: scikit-learn's
// LogisticRegression() defaults (L2, C = 1, tol 1e-4, 100 iterations)
// after its common preprocessing. For the breast-cancer set, whose
// columns are all numbers without gaps, that is StandardScaler; for any
// other table, a ColumnTransformer's recipe: numbers mean-imputed and
// standardised, text most-frequent-imputed and one-hot encoded with
// unknown categories ignored. Either way the preprocessing travels inside
// the model, so the served model takes raw values.
func (a *app) baseConfig(tab *dataset.Table) linear.Config {
	if a.source().embedded == "breast-cancer" {
		return linear.Config{Standardize: true, Classes: tab.Classes, Features: tab.Features()}
	}
	inputs := make([]linear.Input, len(tab.Columns))
	for j, c := range tab.Columns {
		inputs[j] = linear.Input{Name: c.Name}
		if c.Type == dataset.Text {
			inputs[j].Kind, inputs[j].Levels = linear.Categorical, c.Levels
		}
	}
	return linear.Config{Classes: tab.Classes, Inputs: inputs}
}

// maxExample bounds the input example kept with a model version.
const maxExample = 4000

// inputExample is row i of tab as the instance a client sends to the
// server: an array of numbers for a model of plain features, else an
// object of the columns by name with text as strings and missing values as
// null. "" when it would be longer than maxExample.
func inputExample(tab *dataset.Table, i int, cfg linear.Config) string {
	var b strings.Builder
	if cfg.Inputs == nil {
		b.WriteByte('[')
		for j := range tab.Columns {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatFloat(tab.X.At(i, j), 'g', -1, 64))
		}
		b.WriteByte(']')
	} else {
		b.WriteByte('{')
		for j, c := range tab.Columns {
			if j > 0 {
				b.WriteString(", ")
			}
			name, _ := json.Marshal(c.Name)
			b.Write(name)
			b.WriteString(": ")
			switch v := tab.Value(i, j); {
			case v == "":
				b.WriteString("null")
			case c.Type == dataset.Text:
				s, _ := json.Marshal(v)
				b.Write(s)
			default:
				b.WriteString(v)
			}
		}
		b.WriteByte('}')
	}
	if b.Len() > maxExample {
		return ""
	}
	return b.String()
}

// describeTable says what the columns of tab are, for the data line:
// ", 2 text, 19 missing values" (empty for numbers without gaps).
func describeTable(tab *dataset.Table) string {
	text, missing := 0, 0
	for _, c := range tab.Columns {
		if c.Type == dataset.Text {
			text++
		}
	}
	r, c := tab.X.Dims()
	for i := range r {
		for j := range c {
			if v := tab.X.At(i, j); v != v {
				missing++
			}
		}
	}
	var parts []string
	if text > 0 {
		parts = append(parts, fmt.Sprintf("%d text", text))
	}
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing values", missing))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

// writeTableCSV writes tab as CSV, the target first, missing values as NA
// (as R writes them); read back with ReadTable, it gives tab again. The
// embedded penguins come out as the file the R package ships. The file
// appears whole or not at all.
func writeTableCSV(path string, tab *dataset.Table) error {
	return writeAtomic(path, func(w *bufio.Writer) {
		w.WriteString(csvField(tab.Target))
		for _, c := range tab.Columns {
			w.WriteByte(',')
			w.WriteString(csvField(c.Name))
		}
		w.WriteByte('\n')
		for i := range tab.Len() {
			w.WriteString(csvField(tab.Classes[tab.Y[i]]))
			for j := range tab.Columns {
				w.WriteByte(',')
				if v := tab.Value(i, j); v == "" {
					w.WriteString("NA")
				} else {
					w.WriteString(csvField(v))
				}
			}
			w.WriteByte('\n')
		}
	})
}

// clip shortens s to about n bytes for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
