package dataset

import (
	"bytes"
	_ "embed"
)

//go:embed data/penguins.csv
var penguinsCSV []byte

// Penguins returns the Palmer penguins, embedded in the package: 344 rows,
// target "species" with Classes {"Adelie", "Chinstrap", "Gentoo"} (152, 68
// and 124 rows), and the feature columns island (text), bill_length_mm,
// bill_depth_mm, flipper_length_mm, body_mass_g (numbers, 2 missing each),
// sex (text, 11 missing) and year (a number). Each call returns a fresh
// copy that the caller may modify.
//
// Attribution: Horst AM, Hill AP, Gorman KB (2020), palmerpenguins: Palmer
// Archipelago (Antarctica) penguin data, doi:10.5281/zenodo.3960218; data
// collected and made available by Dr. Kristen Gorman and the Palmer
// Station, Antarctica LTER. Licensed CC0. The file is the one shipped in
// the R package palmerpenguins 0.1.1; see data/README.md.
func Penguins() *Table {
	t, err := ReadTable(bytes.NewReader(penguinsCSV), TableOptions{Target: "species"})
	if err != nil {
		// The embedded file is fixed at build time and tested.
		panic("dataset: embedded penguins data: " + err.Error())
	}
	return t
}
