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
//	pipeline [-dir DIR] [-data PATH -target COLUMN [-positive LABEL]] [subcommand [flags]]
//
// The subcommands are run (the default), baseline, tune, promote, rollback,
// serve, runs, models and lineage; `pipeline help` lists them and
// `pipeline SUBCOMMAND -h` explains one. The data is the embedded
// breast-cancer set unless -data names the embedded Palmer penguins
// (-data penguins) or a CSV file with a target column (-data PATH -target
// COLUMN), read as pandas reads it: text columns and missing values are
// imputed, encoded and scaled inside the model, as scikit-learn's common
// recipe does. All state lives in the work folder DIR (default
// ./cairn-data), made on first use:
//
//	DIR/data/breast-cancer.csv   an embedded set as a file (written from the embedded copy if missing)
//	DIR/datasets/                the data's versions, content-addressed (package dataset)
//	DIR/cairn.db                 runs (track) and models (registry), one bbolt file
//	DIR/objects/                 artifacts, model bytes and data, content-addressed
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
	"strings"
	"syscall"
)

func main() {
	// A closed stdout (pipeline | head) must not kill the process in the
	// middle of a run: with SIGPIPE ignored a write to it fails with EPIPE
	// instead, run drops the rest of the output and the work goes on to
	// its end. Ctrl-C, SIGTERM and a closed terminal (SIGHUP) cancel the
	// work: the runs in progress end as killed, unless SIGHUP was
	// ignored when the program started (nohup), as it then stays.
	signal.Ignore(syscall.SIGPIPE)
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
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
// exit code: 0, 1 for a failure, 2 for a usage error. Output that cannot
// be written to stdout does not stop the command (see output).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env env) int {
	out := &output{w: stdout}
	code := runArgs(ctx, args, out, stderr, env)
	if code == 0 && out.err != nil && !errors.Is(out.err, syscall.EPIPE) {
		fmt.Fprintf(stderr, "pipeline: writing the output: %v\n", out.err)
		return 1
	}
	return code
}

// output is stdout as the commands write it: the first write that fails
// is remembered and later ones are dropped, so that a reader that went
// away (pipeline | head: EPIPE) or a full disk costs the command its
// output, not its work. A broken pipe is not an error (the reader had
// what it wanted); any other failure makes the exit code 1.
type output struct {
	w   io.Writer
	err error
}

func (o *output) Write(p []byte) (int, error) {
	if o.err == nil {
		_, o.err = o.w.Write(p)
	}
	return len(p), nil
}

func runArgs(ctx context.Context, args []string, stdout, stderr io.Writer, env env) int {
	top := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	dir := top.String("dir", "cairn-data", "the work folder that holds all state")
	var locs locations
	locs.add(top)
	var sel dataFlags
	sel.add(top)
	top.Usage = func() {}
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout, env.prog, top)
			return 0
		}
		fmt.Fprintf(stderr, "pipeline: %v\n\n", err)
		usage(stderr, env.prog, top)
		return 2
	}
	rest := top.Args()
	name := "run"
	if len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	if name == "help" {
		if len(rest) == 0 {
			usage(stdout, env.prog, top)
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
		usage(stderr, env.prog, top)
		return 2
	}

	src, err := sel.source()
	if err != nil {
		fmt.Fprintf(stderr, "pipeline: %v\n\n", err)
		usage(stderr, env.prog, top)
		return 2
	}
	a := &app{dir: *dir, locs: locs, stdout: stdout, stderr: stderr, env: env, src: src, globals: givenFlags(top)}
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
	err = exec(ctx)
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

func usage(w io.Writer, prog string, top *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s [global flags] [subcommand [flags]]\n\n", prog)
	fmt.Fprintf(w, "The pipeline of a classifier: data versions, training, tuning, tracking,\n")
	fmt.Fprintf(w, "a model registry and serving, all in the work folder DIR (default ./cairn-data),\n")
	fmt.Fprintf(w, "on the embedded breast-cancer data, the embedded penguins (-data penguins)\n")
	fmt.Fprintf(w, "or a CSV file of your own (-data PATH -target COLUMN).\n\n")
	fmt.Fprintf(w, "Subcommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nGlobal flags (before the subcommand):\n")
	top.SetOutput(w)
	top.PrintDefaults()
	top.SetOutput(io.Discard)
	fmt.Fprintf(w, "\nWith no subcommand it runs `run`. `%s SUBCOMMAND -h` explains one.\n", prog)
}

func commandUsage(w io.Writer, prog string, c *command, fs *flag.FlagSet) {
	line := strings.TrimSpace(fmt.Sprintf("%s [global flags] %s %s", prog, c.name, c.args))
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
