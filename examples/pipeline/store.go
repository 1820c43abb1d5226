package main

import (
	"flag"
	"net/url"
	"os"
	"strings"
)

// locations are where the pipeline records and keeps things, when not in
// the work folder: -store, the database of runs, models, studies and data
// versions, and -blobs, the store of artifacts, model bytes and data
// files. A team points every machine at the same two; each machine keeps
// its own work folder (the data's copy, the hash cache).
type locations struct {
	store string // "" means DIR/cairn.db and DIR/datasets/index.db
	blobs string // "" means DIR/objects, or the -store database's tables
}

// add defines -store and -blobs on fs, with CAIRN_STORE and CAIRN_BLOBS
// as their defaults (so that a password need not be on a command line).
func (l *locations) add(fs *flag.FlagSet) {
	fs.StringVar(&l.store, "store", os.Getenv("CAIRN_STORE"),
		"where runs, models, studies and data versions are recorded: a postgres:// URL a team shares (default: the work folder; $CAIRN_STORE)")
	fs.StringVar(&l.blobs, "blobs", os.Getenv("CAIRN_BLOBS"),
		"where artifacts, model bytes and data files are kept: an s3://bucket/prefix?endpoint=...&region=... URL or a folder (default: the work folder, or the -store database; $CAIRN_BLOBS)")
}

// shared reports whether the store is a server's (a URL), not a file.
func (l locations) shared() bool { return strings.Contains(l.store, "://") }

// redact returns s with the password of a URL replaced by "xxxxx", for
// what the pipeline prints; anything else is returned as it is.
func redact(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(a location that does not parse)"
	}
	return u.Redacted()
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
