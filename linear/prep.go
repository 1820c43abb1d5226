package linear

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
)

// DefaultFillText is what ImputeConstant fills a Categorical input with
// when Input.FillText is empty (scikit-learn's default fill_value).
const DefaultFillText = "missing_value"

// Input describes one raw column of X for a model fitted with
// Config.Inputs, and how it becomes features. The zero value of each
// choice is scikit-learn's common recipe: a Numeric input is
// mean-imputed and standardised, a Categorical one most-frequent-imputed
// and one-hot encoded, unknown categories ignored.
type Input struct {
	// Name names the input; inputs' names are distinct and not empty.
	Name string
	// Kind is Numeric (the zero value) or Categorical.
	Kind Kind
	// Levels, for a Categorical input, lists the categories that the
	// codes in X index: code i is Levels[i]. They are usually every
	// value of the column in the whole table (dataset.Column.Levels);
	// those that no training row holds are unknown to the model. The
	// model keeps them, and codes given to it later must index the same
	// list (a server maps text to codes with it).
	Levels []string
	// Impute is how missing values are filled; the zero value is
	// ImputeAuto.
	Impute Impute
	// Fill is the value ImputeConstant gives a Numeric input (0 by
	// default, as scikit-learn's).
	Fill float64
	// FillText is the category ImputeConstant gives a Categorical input;
	// empty means DefaultFillText.
	FillText string
	// NoScale keeps a Numeric input as it is instead of standardising it
	// (StandardScaler: mean 0, standard deviation 1 over the training
	// rows, after imputation).
	NoScale bool
	// Unknown says what a Categorical input does with a category not seen
	// in training.
	Unknown Unknown
	// MinFrequency, for a Categorical input, groups categories rarer than
	// it into one infrequent column, as OneHotEncoder's min_frequency: a
	// value of 1 or more is a count of training rows (a whole number), a
	// value in (0, 1) a fraction of them. 0 groups nothing.
	MinFrequency float64
	// MaxCategories, for a Categorical input, bounds its columns, the
	// infrequent one included, by grouping the rarest categories, as
	// OneHotEncoder's max_categories. 0 means no bound.
	MaxCategories int
}

// Encoding is the fitted preprocessing of one input: what scikit-learn's
// SimpleImputer, StandardScaler and OneHotEncoder learn from the
// training rows.
type Encoding struct {
	Name string
	Kind Kind
	// Impute is the strategy used (ImputeAuto resolved).
	Impute Impute
	// Fill is the value a missing Numeric value becomes
	// (SimpleImputer.statistics_).
	Fill float64
	// FillText is the category a missing Categorical value becomes.
	FillText string
	// Mean and Scale standardise a Numeric input: (x - Mean) / Scale
	// (StandardScaler.mean_ and scale_); 0 and 1 with NoScale.
	Mean, Scale float64
	// Categories are the one-hot columns of a Categorical input, in
	// order: the frequent categories seen in training, sorted.
	Categories []string
	// Infrequent holds the categories grouped into one more column, the
	// input's last (sorted); nil when none are.
	Infrequent []string
	// Features names the columns the input becomes: Name for a Numeric
	// input, "Name=category" for each category, "Name=(infrequent)" for
	// the infrequent column.
	Features []string
}

// prep is a fitted preprocessing: the inputs, their encodings, and where
// each lands among the features. Numeric inputs come first, in input
// order, then the columns of each Categorical input in input order (the
// order of scikit-learn's ColumnTransformer with a numeric and a
// categorical transformer).
type prep struct {
	inputs []Input
	enc    []Encoding
	q      int // number of features
	// slot[j]: Numeric input j's feature column; for a Categorical input,
	// the first of its columns.
	slot []int
	// codes[j] maps a value of Categorical input j to a feature column
	// or -1: entry 0 for code -1 (unknown), entries 1..len(Levels) for
	// the codes, the last for a missing value (NaN).
	codes [][]int32
	// fails[j], for an input with UnknownError, marks the entries of
	// codes[j] that are unknown categories.
	fails [][]bool
}

// validateInputs checks the inputs of a Config against X's d columns.
func validateInputs(inputs []Input, d int) error {
	if len(inputs) != d {
		return fmt.Errorf("%w: %d inputs for %d columns of X", ErrConfig, len(inputs), d)
	}
	names := make([]string, len(inputs))
	for j, in := range inputs {
		names[j] = in.Name
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: input %q: %s", ErrConfig, in.Name, fmt.Sprintf(format, args...))
		}
		switch {
		case in.Kind != Numeric && in.Kind != Categorical:
			return bad("unknown kind %v", in.Kind)
		case in.Impute < ImputeAuto || in.Impute > ImputeConstant:
			return bad("unknown imputation %v", in.Impute)
		case in.Kind == Categorical && (in.Impute == ImputeMean || in.Impute == ImputeMedian):
			return bad("%v imputation needs numbers", in.Impute)
		case in.Kind == Numeric && in.Levels != nil:
			return bad("levels given for a numeric input")
		case !finite(in.Fill):
			return bad("fill value %v", in.Fill)
		case in.Unknown < UnknownIgnore || in.Unknown > UnknownInfrequent:
			return bad("unknown handling %v", in.Unknown)
		case !(in.MinFrequency >= 0) || math.IsInf(in.MinFrequency, 0) || in.MinFrequency >= 1 && in.MinFrequency != math.Trunc(in.MinFrequency):
			return bad("MinFrequency %v is neither a count nor a fraction in (0, 1)", in.MinFrequency)
		case in.MaxCategories < 0:
			return bad("MaxCategories %d", in.MaxCategories)
		case in.Kind == Numeric && (in.MinFrequency != 0 || in.MaxCategories != 0 || in.Unknown != 0 || in.FillText != ""):
			return bad("categorical settings on a numeric input")
		case in.Kind == Categorical && (in.NoScale || in.Fill != 0):
			return bad("numeric settings on a categorical input")
		}
		if in.Kind == Categorical {
			if err := distinctLevels(in); err != nil {
				return err
			}
		}
	}
	return distinctNames("input", names)
}

func distinctLevels(in Input) error {
	seen := make(map[string]bool, len(in.Levels))
	for _, l := range in.Levels {
		if seen[l] {
			return fmt.Errorf("%w: input %q: level %q appears twice", ErrConfig, in.Name, l)
		}
		seen[l] = true
	}
	return nil
}

// fitPrep fits the preprocessing of inputs on the n rows of X (raw,
// row-major with the given stride).
func fitPrep(inputs []Input, data []float64, stride, n int) (*prep, error) {
	p := &prep{inputs: make([]Input, len(inputs)), enc: make([]Encoding, len(inputs))}
	for j, in := range inputs {
		in.Levels = slices.Clone(in.Levels)
		if in.Impute == ImputeAuto {
			in.Impute = ImputeMean
			if in.Kind == Categorical {
				in.Impute = ImputeMostFrequent
			}
		}
		if in.Kind == Categorical && in.FillText == "" && in.Impute == ImputeConstant {
			in.FillText = DefaultFillText
		}
		p.inputs[j] = in
	}
	// The inputs are fitted independently; many rows on two goroutines,
	// each taking every other input. The first error by input wins.
	workers := 1
	if n*len(inputs) >= 1<<16 {
		workers = 2
	}
	errs := make([]error, len(inputs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			col := make([]float64, n)
			for j := w; j < len(inputs); j += workers {
				for i := range n {
					col[i] = data[i*stride+j]
				}
				if p.inputs[j].Kind == Numeric {
					p.enc[j], errs[j] = fitNumeric(p.inputs[j], col)
				} else {
					p.enc[j], errs[j] = fitCategorical(p.inputs[j], col)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := p.build(); err != nil {
		return nil, err
	}
	return p, nil
}

// fitNumeric fits the imputer and the scaler of a Numeric input on its
// column of training values.
func fitNumeric(in Input, col []float64) (Encoding, error) {
	e := Encoding{Name: in.Name, Kind: Numeric, Impute: in.Impute, Scale: 1, Features: []string{in.Name}}
	present := make([]float64, 0, len(col))
	for i, v := range col {
		if math.IsNaN(v) {
			continue
		}
		if math.IsInf(v, 0) {
			return e, fmt.Errorf("%w: input %q holds %v in row %d", ErrNonFinite, in.Name, v, i)
		}
		present = append(present, v)
	}
	if len(present) == 0 && in.Impute != ImputeConstant {
		return e, fmt.Errorf("%w: input %q has no value in the training rows (impute it with a constant, or leave it out)", ErrInput, in.Name)
	}
	switch in.Impute {
	case ImputeMean:
		s := 0.0
		for _, v := range present {
			s += v
		}
		e.Fill = s / float64(len(present))
	case ImputeMedian:
		slices.Sort(present)
		h := len(present) / 2
		e.Fill = present[h]
		if len(present)%2 == 0 {
			e.Fill = (present[h-1] + present[h]) / 2
		}
	case ImputeMostFrequent:
		slices.Sort(present)
		best, bestN := present[0], 0
		for i := 0; i < len(present); {
			k := i
			for k < len(present) && present[k] == present[i] {
				k++
			}
			if k-i > bestN {
				best, bestN = present[i], k-i
			}
			i = k
		}
		e.Fill = best
	case ImputeConstant:
		e.Fill = in.Fill
	}
	if in.NoScale {
		return e, nil
	}
	// StandardScaler on the imputed column: two passes, population
	// variance, and scale 1 for a column that is constant to rounding
	// (scikit-learn's _is_constant_feature).
	n := float64(len(col))
	nmiss := n - float64(len(present))
	s := nmiss * e.Fill
	for _, v := range present {
		s += v
	}
	mean := s / n
	ss, corr := nmiss*(e.Fill-mean)*(e.Fill-mean), nmiss*(e.Fill-mean)
	for _, v := range present {
		ss += (v - mean) * (v - mean)
		corr += v - mean
	}
	variance := (ss - corr*corr/n) / n
	e.Mean = mean
	if bound := n*eps*variance + (n*mean*eps)*(n*mean*eps); variance > bound && variance > 0 {
		e.Scale = math.Sqrt(variance)
	}
	if !finite(e.Mean) || !finite(e.Scale) {
		return e, fmt.Errorf("%w: input %q: mean %v, scale %v", ErrNonFinite, in.Name, e.Mean, e.Scale)
	}
	return e, nil
}

// fitCategorical fits the imputer and the one-hot encoder of a
// Categorical input on its column of training codes.
func fitCategorical(in Input, col []float64) (Encoding, error) {
	e := Encoding{Name: in.Name, Kind: Categorical, Impute: in.Impute}
	L := len(in.Levels)
	counts := make([]int, L)
	nmiss := 0
	for i, v := range col {
		if math.IsNaN(v) {
			nmiss++
			continue
		}
		if v != math.Trunc(v) || v < 0 || v >= float64(L) {
			return e, fmt.Errorf("%w: input %q: code %v in row %d is not an index of its %d levels", ErrInput, in.Name, v, i, L)
		}
		counts[int(v)]++
	}
	// The imputed column's categories and counts.
	count := map[string]int{}
	for l, c := range counts {
		if c > 0 {
			count[in.Levels[l]] = c
		}
	}
	switch in.Impute {
	case ImputeMostFrequent:
		if len(count) == 0 {
			return e, fmt.Errorf("%w: input %q has no value in the training rows (impute it with a constant, or leave it out)", ErrInput, in.Name)
		}
		best, bestN := "", 0
		for c, k := range count {
			if k > bestN || k == bestN && c < best {
				best, bestN = c, k
			}
		}
		e.FillText = best
	case ImputeConstant:
		e.FillText = in.FillText
	}
	if nmiss > 0 {
		count[e.FillText] += nmiss
	}
	cats := make([]string, 0, len(count))
	for c := range count {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	infrequent := infrequentMask(cats, count, len(col), in.MinFrequency, in.MaxCategories)
	for k, c := range cats {
		if infrequent[k] {
			e.Infrequent = append(e.Infrequent, c)
		} else {
			e.Categories = append(e.Categories, c)
		}
	}
	for _, c := range e.Categories {
		e.Features = append(e.Features, in.Name+"="+c)
	}
	if e.Infrequent != nil {
		e.Features = append(e.Features, in.Name+"=(infrequent)")
	}
	return e, nil
}

// infrequentMask marks the categories that OneHotEncoder's min_frequency
// and max_categories group as infrequent (its _identify_infrequent), or
// returns all false.
func infrequentMask(cats []string, count map[string]int, n int, minFreq float64, maxCats int) []bool {
	mask := make([]bool, len(cats))
	switch {
	case minFreq >= 1:
		for k, c := range cats {
			mask[k] = float64(count[c]) < minFreq
		}
	case minFreq > 0:
		for k, c := range cats {
			mask[k] = float64(count[c]) < minFreq*float64(n)
		}
	}
	nInfrequent := 0
	for _, m := range mask {
		if m {
			nInfrequent++
		}
	}
	if maxCats > 0 && maxCats < len(cats)-nInfrequent+1 {
		keep := maxCats - 1
		if keep == 0 {
			for k := range mask {
				mask[k] = true
			}
		} else {
			// A stable sort by count (numpy's mergesort): all but the keep
			// most frequent are infrequent.
			order := make([]int, len(cats))
			for k := range order {
				order[k] = k
			}
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(count[cats[a]], count[cats[b]]) })
			for _, k := range order[:len(order)-keep] {
				mask[k] = true
			}
		}
	}
	return mask
}

// build lays out the features of p and the tables that map codes to
// them. It checks that the encodings agree with the inputs (for a model
// read from bytes).
func (p *prep) build() error {
	p.slot = make([]int, len(p.inputs))
	p.codes = make([][]int32, len(p.inputs))
	p.fails = make([][]bool, len(p.inputs))
	q := 0
	for j, in := range p.inputs {
		if in.Kind == Numeric {
			p.slot[j] = q
			q++
		}
	}
	for j, in := range p.inputs {
		if in.Kind != Categorical {
			continue
		}
		e := &p.enc[j]
		p.slot[j] = q
		where := make(map[string]int32, len(e.Categories)+len(e.Infrequent))
		for k, c := range e.Categories {
			if _, dup := where[c]; dup {
				return fmt.Errorf("input %q: category %q appears twice", in.Name, c)
			}
			where[c] = int32(q + k)
		}
		q += len(e.Categories)
		unknown := int32(-1)
		if e.Infrequent != nil {
			for _, c := range e.Infrequent {
				if _, dup := where[c]; dup {
					return fmt.Errorf("input %q: category %q appears twice", in.Name, c)
				}
				where[c] = int32(q)
			}
			if in.Unknown == UnknownInfrequent {
				unknown = int32(q)
			}
			q++
		}
		L := len(in.Levels)
		codes := make([]int32, L+2)
		var fails []bool
		if in.Unknown == UnknownError {
			fails = make([]bool, L+2)
		}
		lookup := func(c string) (int32, bool) {
			if s, ok := where[c]; ok {
				return s, true
			}
			return unknown, false
		}
		var known bool
		codes[0], known = unknown, false
		if fails != nil {
			fails[0] = !known
		}
		for l, c := range in.Levels {
			codes[l+1], known = lookup(c)
			if fails != nil {
				fails[l+1] = !known
			}
		}
		codes[L+1], known = lookup(e.FillText)
		if fails != nil {
			fails[L+1] = !known
		}
		p.codes[j], p.fails[j] = codes, fails
	}
	p.q = q
	return nil
}

// features returns the names of p's features, in order.
func (p *prep) features() []string {
	out := make([]string, p.q)
	for j, e := range p.enc {
		copy(out[p.slot[j]:], e.Features)
	}
	return out
}

// code returns the feature column that value v of Categorical input j
// goes to, or -1 for none, or an error for a value that is not a code or
// an unknown category the input refuses.
func (p *prep) code(j int, v float64) (int32, error) {
	codes := p.codes[j]
	e := 0
	switch {
	case math.IsNaN(v):
		e = len(codes) - 1
	case v == -1:
	case v >= 0 && v < float64(len(codes)-2) && v == math.Trunc(v):
		e = int(v) + 1
	default:
		return 0, fmt.Errorf("%w: input %q: %v is not a code of its %d levels (or -1, or NaN)", ErrInput, p.inputs[j].Name, v, len(codes)-2)
	}
	if f := p.fails[j]; f != nil && f[e] {
		what := "a category not seen in training"
		switch {
		case e == 0:
			what = "an unknown category (code -1)"
		case e < len(codes)-1:
			what = fmt.Sprintf("%q, a category not seen in training", p.inputs[j].Levels[e-1])
		}
		return 0, fmt.Errorf("%w: input %q: %s", ErrInput, p.inputs[j].Name, what)
	}
	return codes[e], nil
}

// transformRow writes the features of raw row x into z (len q), which
// holds zeros.
func (p *prep) transformRow(z, x []float64) error {
	for j, in := range p.inputs {
		v := x[j]
		if in.Kind == Numeric {
			e := &p.enc[j]
			if math.IsNaN(v) {
				v = e.Fill
			} else if math.IsInf(v, 0) {
				return fmt.Errorf("%w: input %q is %v", ErrNonFinite, in.Name, v)
			}
			z[p.slot[j]] = (v - e.Mean) / e.Scale
			continue
		}
		codes := p.codes[j]
		var s int32
		if k := int(v); float64(k) == v && k >= 0 && k < len(codes)-2 && p.fails[j] == nil {
			s = codes[k+1] // the common case: a known code
		} else {
			var err error
			if s, err = p.code(j, v); err != nil {
				return err
			}
		}
		if s >= 0 {
			z[s] = 1
		}
	}
	return nil
}

// transform returns the features of the n rows of raw data (stride
// apart) as an n x q row-major slice, on two goroutines for many rows.
func (p *prep) transform(data []float64, stride, n int) ([]float64, error) {
	d := len(p.inputs)
	out := make([]float64, n*p.q)
	workers := 1
	if n*d >= 1<<16 {
		workers = 2
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if err := p.transformRow(out[i*p.q:(i+1)*p.q], data[i*stride:i*stride+d]); err != nil {
					errs[w] = fmt.Errorf("row %d of X: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
