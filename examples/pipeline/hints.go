package main

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
)

// The hints the pipeline prints ("Next: ...") must be commands the user
// can paste into the same shell: the program as it was started, then the
// global flags as they were given, then the subcommand.

// progName is how the user started the program: `go run` with the package
// as it can be named from the current folder, else the binary's path as
// it was typed (os.Args[0]).
func progName() string {
	exe := os.Args[0]
	if !goRunExe(exe) {
		if p, err := os.Executable(); err != nil || !goRunExe(p) {
			return shellQuote(exe)
		}
	}
	pkg, mainPath, mainVersion := "github.com/cairn-ml/cairn/examples/pipeline", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Path != "" {
			pkg = bi.Path
		}
		mainPath, mainVersion = bi.Main.Path, bi.Main.Version
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = ""
	}
	return "go run " + goRunTarget(pkg, mainPath, mainVersion, cwd, moduleOf)
}

// goRunDir matches the folders `go run` runs a program from: the build's
// temporary folder ($GOTMPDIR/go-build123/b001/exe/) when it linked the
// program, or its entry in the build cache ($GOCACHE/ab/ab12...(64 hex)-d/)
// when the same program was run before. Matching the layout, not a name
// such as "go-build", keeps a GOCACHE of any name working, and a binary
// that merely lives in a folder called go-build a binary.
var (
	goRunTmp   = regexp.MustCompile(`(^|/)go-build[0-9]+/b[0-9]+/exe/[^/]+$`)
	goRunCache = regexp.MustCompile(`(^|/)([0-9a-f]{2})/([0-9a-f]{64})-d/[^/]+$`)
)

// goRunExe reports whether the executable at path was built and started
// by `go run`.
func goRunExe(path string) bool {
	path = filepath.ToSlash(path)
	if goRunTmp.MatchString(path) {
		return true
	}
	m := goRunCache.FindStringSubmatch(path)
	return m != nil && strings.HasPrefix(m[3], m[2])
}

// goRunTarget is what to give `go run` to start the package pkg again from
// the folder cwd: a relative path ("./examples/pipeline", ".") when cwd lies
// in the module being developed (mainPath, version "(devel)") and pkg is
// one of its packages; pkg@version when the program was run as a released
// module (go run pkg@v1.2.3); else pkg itself, which works in a module that
// requires cairn or in a workspace that holds it. moduleOf finds the
// module that holds a folder.
func goRunTarget(pkg, mainPath, mainVersion, cwd string, moduleOf func(dir string) (root, path string)) string {
	if mainVersion != "" && mainVersion != "(devel)" {
		return pkg + "@" + mainVersion
	}
	if cwd == "" || mainPath == "" || (pkg != mainPath && !strings.HasPrefix(pkg, mainPath+"/")) {
		return pkg
	}
	root, mod := moduleOf(cwd)
	if mod != mainPath {
		return pkg
	}
	dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(pkg, mainPath), "/")))
	rel, err := filepath.Rel(cwd, dir)
	if err != nil {
		return pkg
	}
	rel = filepath.ToSlash(rel)
	if rel != "." && rel != ".." && !strings.HasPrefix(rel, "../") {
		rel = "./" + rel
	}
	return shellQuote(rel)
}

// moduleOf returns the folder of the go.mod that governs dir (dir or its
// nearest parent that has one) and the module path it declares; "" and ""
// when there is none.
func moduleOf(dir string) (root, path string) {
	for d := dir; ; {
		if f, err := os.Open(filepath.Join(d, "go.mod")); err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if rest, ok := strings.CutPrefix(line, "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
					return d, strings.Trim(strings.TrimSpace(rest), `"`)
				}
			}
			return d, ""
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", ""
		}
		d = parent
	}
}

// givenFlags lists the flags set on the command line of fs, as arguments
// that set them again ("-dir", "x"), in fs's (sorted) order; a password in
// a URL is shown as "xxxxx" (pass it in $CAIRN_STORE to keep it off the
// command line).
func givenFlags(fs *flag.FlagSet) []string {
	var args []string
	fs.Visit(func(f *flag.Flag) { args = append(args, "-"+f.Name, redact(f.Value.String())) })
	return args
}

// command is a command line the user can paste: the program as started,
// the global flags as given, then args.
func (a *app) command(args ...string) string {
	parts := []string{a.env.prog}
	for _, s := range append(append([]string(nil), a.globals...), args...) {
		parts = append(parts, shellQuote(s))
	}
	return strings.Join(parts, " ")
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
