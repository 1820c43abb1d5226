package dataset_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/cairn-ml/cairn/dataset"
)

func ExampleBreastCancer() {
	ds := dataset.BreastCancer()
	rows, cols := ds.X.Dims()
	fmt.Println(rows, cols, ds.Classes, ds.ClassCounts())
	fmt.Println(ds.Digest())
	// Output:
	// 569 30 [malignant benign] [212 357]
	// sha256:eb8639ccbc46ae1b3599a7aea876e3ed4a6e5fe2e5ebcd5b850f78e81506c901
}

func ExampleReadCSV() {
	in := `height,weight,species
30.5,4.1,cat
61.0,25.3,dog
28.9,3.8,cat
`
	ds, err := dataset.ReadCSV(strings.NewReader(in), dataset.CSVOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ds.Features, ds.Classes, ds.Y)

	_, err = dataset.ReadCSV(strings.NewReader("a,y\n1,p\nx,q\n"), dataset.CSVOptions{})
	fmt.Println(err)
	// Output:
	// [height weight] [cat dog] [0 1 0]
	// line 3, column 1: dataset: not a number: "x"
}

func ExampleDataset_Split() {
	ds := dataset.BreastCancer()
	train, test, err := ds.Split(0.2, 42)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Len(), train.ClassCounts())
	fmt.Println(test.Len(), test.ClassCounts())
	// Output:
	// 455 [170 285]
	// 114 [42 72]
}

func ExampleReadTable() {
	in := `age,port,fare,survived
22,S,7.25,no
38,C,71.28,yes
NA,Q,8.46,yes
35,,53.1,no
`
	tab, err := dataset.ReadTable(strings.NewReader(in), dataset.TableOptions{Target: "survived"})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range tab.Columns {
		fmt.Println(c.Name, c.Type, c.Levels)
	}
	fmt.Println(tab.Classes, tab.Y)
	fmt.Println(tab.X.RawRowView(2), tab.Value(2, 1))

	_, err = dataset.ReadTable(strings.NewReader("a,b,y\n1,2,p\n3,x,q\n"),
		dataset.TableOptions{Types: map[string]dataset.ColumnType{"b": dataset.Number}})
	fmt.Println(err)
	// Output:
	// age number []
	// port text [C Q S]
	// fare number []
	// [no yes] [0 1 1 0]
	// [NaN 1 8.46] Q
	// line 3, column 2: dataset: not a number in column "b" of type number: "x"
}

func ExamplePenguins() {
	tab := dataset.Penguins()
	fmt.Println(tab.Len(), tab.Features())
	fmt.Println(tab.Target, tab.Classes)
	fmt.Println(tab.Columns[0].Levels, tab.Columns[5].Levels)
	// Output:
	// 344 [island bill_length_mm bill_depth_mm flipper_length_mm body_mass_g sex year]
	// species [Adelie Chinstrap Gentoo]
	// [Biscoe Dream Torgersen] [female male]
}
