package track

import (
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/debug"
)

// The reproducibility tags StartRun records, named after MLflow's
// mlflow.source.* tags under a cairn. prefix.
const (
	TagSourceName    = "cairn.source.name"           // RunOptions.Source, or the program's base name
	TagGitCommit     = "cairn.source.git.commit"     // vcs.revision of the build (when built from git)
	TagGitDirty      = "cairn.source.git.dirty"      // "true" if the working tree had changes
	TagModule        = "cairn.source.module"         // the main module's path
	TagModuleVersion = "cairn.source.module.version" // its version ("(devel)" for a local build)
	TagGoVersion     = "cairn.source.go.version"     // runtime.Version()
	TagHost          = "cairn.host"                  // os.Hostname()
	TagUser          = "cairn.user"                  // the user running the process
)

// ReproTags returns the reproducibility tags of this process: the Go
// version, and what debug.ReadBuildInfo knows (main module path and
// version; the VCS revision and whether the tree was modified, when the
// binary was built with VCS stamping, which `go run` and `go test` leave
// out), the host name and the user. Tags whose value is unknown are left
// out. TagSourceName is not among them; StartRun adds it.
func ReproTags() map[string]string {
	bi, ok := debug.ReadBuildInfo()
	host, _ := os.Hostname()
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return reproTags(bi, ok, host, name)
}

func reproTags(bi *debug.BuildInfo, ok bool, host, userName string) map[string]string {
	tags := map[string]string{TagGoVersion: runtime.Version()}
	set := func(k, v string) {
		if v != "" && checkTag(k, v) == nil {
			tags[k] = v
		}
	}
	set(TagHost, host)
	set(TagUser, userName)
	if !ok || bi == nil {
		return tags
	}
	if bi.GoVersion != "" {
		tags[TagGoVersion] = bi.GoVersion
	}
	set(TagModule, bi.Main.Path)
	set(TagModuleVersion, bi.Main.Version)
	vcs := "git"
	for _, s := range bi.Settings {
		if s.Key == "vcs" {
			vcs = s.Value
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if vcs == "git" {
				set(TagGitCommit, s.Value)
			} else {
				set("cairn.source."+vcs+".commit", s.Value)
			}
		case "vcs.modified":
			if vcs == "git" {
				set(TagGitDirty, s.Value)
			} else {
				set("cairn.source."+vcs+".dirty", s.Value)
			}
		}
	}
	return tags
}

// reproTags returns ReproTags, computed once per Store (the build and host
// do not change while it runs).
func (st *Store) reproTags() map[string]string {
	st.reproOnce.Do(func() { st.repro = ReproTags() })
	return st.repro
}

func defaultSource() string {
	if len(os.Args) == 0 {
		return ""
	}
	return filepath.Base(os.Args[0])
}
