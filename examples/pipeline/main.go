// Command pipeline is cairn's flagship: the breast-cancer MLOps pipeline of
// a Python stack of six services (DVC, ZenML, MLflow, MinIO, Optuna,
// FastAPI), end to end, in one program with nothing to install but Go.
//
// It versions the data (package dataset), trains a baseline logistic
// regression (linear), tunes it with TPE (tune), records every run
// (track), registers the models and moves the champion alias (registry)
// and serves the champion over HTTP, following the alias live (serve),
// with the dashboards of track and registry under /ui/.
//
// Usage:
//
//	pipeline [-dir DIR] [subcommand [flags]]
//
// The subcommands are run (the default), baseline, tune, promote, rollback,
// serve, runs, models and lineage; `pipeline help` lists them and
// `pipeline SUBCOMMAND -h` explains one. All state lives in the work folder
// DIR (default ./cairn-data), made on first use:
//
//	DIR/data/breast-cancer.csv   the data set as a file (written from the embedded copy if missing)
//	DIR/datasets/                its versions, content-addressed (package dataset)
//	DIR/cairn.db                 runs (track) and models (registry), one bbolt file
//	DIR/objects/                 artifacts and model bytes, content-addressed
//
// Every command opens the files only for the length of each call
// (the Shared mode of track, registry and dataset), so `serve` in one
// terminal follows a `rollback` made in another.
//
// The README in this folder walks through a session.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, defaultEnv())
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name    string
	args    string // after the name in the usage line
	summary string
	// flags adds the subcommand's flags to fs and returns the function
	// that runs it once they are parsed.
	flags func(fs *flag.FlagSet, a *app) func(ctx context.Context) error
}

func commands() []command {
	return []command{
		{"run", "[-trials N] [-force]", "version the data, train the baseline, tune, register both, pick the champion (the default)", runFlags},
		{"baseline", "[-force]", "train and register the baseline alone", baselineFlags},
		{"tune", "[-trials N] [-force]", "tune with TPE, refit the best and register it", tuneFlags},
		{"promote", "[-version N]", "point @champion at the best version (or at version N)", promoteFlags},
		{"rollback", "[-to N]", "move @champion back to where it was before (or to version N)", rollbackFlags},
		{"serve", "[-addr HOST:PORT]", "serve @champion over HTTP, follow it live, dashboards under /ui/", serveFlags},
		{"runs", "[-n N] [-filter EXPR] [-all]", "list the runs, best first", runsFlags},
		{"models", "", "list the model versions with their aliases and scores", modelsFlags},
		{"lineage", "[-version N]", "trace a version to its run, data and code", lineageFlags},
	}
}

// usageError is a mistake on the command line: usage goes to stderr and the
// exit code is 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// run runs the command line args (without the program name) and returns the
// exit code: 0, 1 for a failure, 2 for a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env env) int {
	top := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	dir := top.String("dir", "cairn-data", "the work folder that holds all state")
	top.Usage = func() {}
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout, env.prog)
			return 0
		}
		fmt.Fprintf(stderr, "pipeline: %v\n\n", err)
		usage(stderr, env.prog)
		return 2
	}
	rest := top.Args()
	name := "run"
	if len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	if name == "help" {
		if len(rest) == 0 {
			usage(stdout, env.prog)
			return 0
		}
		name, rest = rest[0], []string{"-h"}
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == name {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "pipeline: unknown subcommand %q\n\n", name)
		usage(stderr, env.prog)
		return 2
	}

	a := &app{dir: *dir, stdout: stdout, stderr: stderr, env: env}
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	exec := cmd.flags(fs, a)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(stdout, env.prog, cmd, fs)
			return 0
		}
		fmt.Fprintf(stderr, "pipeline %s: %v\n\n", cmd.name, err)
		commandUsage(stderr, env.prog, cmd, fs)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pipeline %s: unexpected argument %q\n\n", cmd.name, fs.Arg(0))
		commandUsage(stderr, env.prog, cmd, fs)
		return 2
	}
	err := exec(ctx)
	if cerr := a.close(); err == nil {
		err = cerr
	}
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "pipeline %s: %v\n\n", cmd.name, err)
			commandUsage(stderr, env.prog, cmd, fs)
			return 2
		}
		fmt.Fprintf(stderr, "pipeline %s: %v\n", cmd.name, explain(err, a.dir))
		return 1
	}
	return 0
}

func usage(w io.Writer, prog string) {
	fmt.Fprintf(w, "Usage: %s [-dir DIR] [subcommand [flags]]\n\n", prog)
	fmt.Fprintf(w, "The breast-cancer pipeline: data versions, training, tuning, tracking,\n")
	fmt.Fprintf(w, "a model registry and serving, all in the work folder DIR (default ./cairn-data).\n\n")
	fmt.Fprintf(w, "Subcommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nWith no subcommand it runs `run`. `%s SUBCOMMAND -h` explains one.\n", prog)
}

func commandUsage(w io.Writer, prog string, c *command, fs *flag.FlagSet) {
	line := strings.TrimSpace(fmt.Sprintf("%s [-dir DIR] %s %s", prog, c.name, c.args))
	fmt.Fprintf(w, "Usage: %s\n\n%s.\n", line, strings.ToUpper(c.summary[:1])+c.summary[1:])
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// progName is how the user started the program, for the hints it prints:
// "go run ./examples/pipeline" under go run, else the binary's name.
func progName() string {
	exe := os.Args[0]
	if strings.Contains(exe, "go-build") {
		return "go run ./examples/pipeline"
	}
	return filepath.Base(exe)
}
