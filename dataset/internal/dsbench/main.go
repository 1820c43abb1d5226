// Command dsbench generates the benchmark trees of package dataset and
// commits a tree, so that dataset/testdata/bench_sha256sum.sh can time a
// commit beside sha256sum with hyperfine.
//
//	dsbench gen mixed DIR [BYTES]      1 GiB by default
//	dsbench gen small DIR [FILES]      20000 by default
//	dsbench commit [-nocache] [-workers N] REPO NAME DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/dataset/internal/benchtree"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dsbench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: dsbench gen|commit ...")
	}
	switch args[0] {
	case "gen":
		if len(args) < 3 {
			return fmt.Errorf("usage: dsbench gen mixed|small DIR [SIZE]")
		}
		var size int64
		if len(args) > 3 {
			var err error
			if size, err = strconv.ParseInt(args[3], 10, 64); err != nil {
				return err
			}
		}
		switch args[1] {
		case "mixed":
			if size == 0 {
				size = 1 << 30
			}
			n, err := benchtree.Mixed(args[2], size)
			fmt.Println(n, "files,", size, "bytes")
			return err
		case "small":
			if size == 0 {
				size = 20000
			}
			total, err := benchtree.Small(args[2], int(size))
			fmt.Println(size, "files,", total, "bytes")
			return err
		}
		return fmt.Errorf("unknown tree %q", args[1])
	case "commit":
		fs := flag.NewFlagSet("commit", flag.ContinueOnError)
		noCache := fs.Bool("nocache", false, "read every file (Options.NoHashCache)")
		workers := fs.Int("workers", 0, "Options.Workers (0: GOMAXPROCS)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 3 {
			return fmt.Errorf("usage: dsbench commit [-nocache] [-workers N] REPO NAME DIR")
		}
		r, err := dataset.OpenWith(fs.Arg(0), dataset.Options{NoHashCache: *noCache, Workers: *workers})
		if err != nil {
			return err
		}
		defer r.Close()
		start := time.Now()
		res, err := r.Commit(context.Background(), fs.Arg(1), fs.Arg(2), "dsbench")
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%v unchanged=%v files=%d read=%d new=%d in %v\n", res.Version, res.Unchanged,
			res.Stats.Files, res.Stats.Read, res.Stats.NewObjects, time.Since(start).Round(time.Millisecond))
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}
