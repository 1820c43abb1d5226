package dataset_test

import (
	"context"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/cairn-ml/cairn/dataset"
)

func ExampleRepo_Commit() {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "cairn-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)

	// Some data files.
	data := filepath.Join(work, "data")
	writeFile(filepath.Join(data, "raw", "train.csv"), "x,y\n1,a\n2,b\n")
	writeFile(filepath.Join(data, "labels.txt"), "a\nb\n")

	repo, err := dataset.Open(filepath.Join(work, "datasets"))
	if err != nil {
		log.Fatal(err)
	}
	defer repo.Close()

	res, err := repo.Commit(ctx, "toy", data, "first cut")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Version, res.Version.Digest[:19], res.Stats.Files, "files")

	// The same content again: no new version.
	res, err = repo.Commit(ctx, "toy", data, "again")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Version, "unchanged:", res.Unchanged)

	// A change makes v2.
	writeFile(filepath.Join(data, "labels.txt"), "a\nb\nc\n")
	res, err = repo.Commit(ctx, "toy", data, "third label")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Version, res.Version.Digest[:19])
	changes, err := repo.Diff(context.Background(), "toy", "v1", "v2")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range changes {
		fmt.Println(c.Kind, c.Path, c.Old.Size, "->", c.New.Size)
	}

	// Materialise v1 in a new folder, and read v2 in place.
	dst := filepath.Join(work, "checkout")
	if _, err := repo.Checkout(ctx, "toy", "v1", dst); err != nil {
		log.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dst, "labels.txt"))
	fmt.Printf("v1 labels.txt: %q\n", b)
	fsys, err := repo.FS(context.Background(), "toy", "latest")
	if err != nil {
		log.Fatal(err)
	}
	b, _ = fs.ReadFile(fsys, "labels.txt")
	fmt.Printf("v2 labels.txt: %q\n", b)
	// Output:
	// toy@v1 sha256:fbc0e75d46ef 2 files
	// toy@v1 unchanged: true
	// toy@v2 sha256:4380fc186665
	// modified labels.txt 4 -> 6
	// v1 labels.txt: "a\nb\n"
	// v2 labels.txt: "a\nb\nc\n"
}

// writeFile writes a file with mode 0o644 whatever the umask (the mode is
// part of a version's content).
func writeFile(path, data string) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		log.Fatal(err)
	}
}
