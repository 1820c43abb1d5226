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
