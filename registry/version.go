package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"
)

// Version is one registered version of a model, as read from the
// registry. It is a copy; changing it changes nothing stored.
type Version struct {
	Name   string // the model's name
	Number int    // 1, 2, 3... in the order registered
	Digest string // "sha256:<hex>" of the model bytes
	Size   int64  // bytes
	// Format names how the bytes are encoded, for the code that loads
	// them, for example linear.FormatName ("cairn.linear.logistic").
	Format string
	// RunID is the run that produced the model (a track run id, say);
	// DatasetDigest the "sha256:<hex>" digest of the data it was trained
	// on. Either may be "". Together they are the version's lineage.
	// A RunID is a URL path segment in the dashboards, so it is not "."
	// or "..", which no escaping can carry.
	RunID         string
	DatasetDigest string
	Metrics       map[string]float64 // nil when there are none
	Tags          map[string]string  // nil when there are none
	Description   string
	Created       time.Time // UTC, millisecond precision
	CreatedBy     string
	Updated       time.Time // the last change: archived, unarchived, tagged
	// Archived versions are kept and can be read by number, but "latest"
	// skips them and no alias may point at them.
	Archived bool
	// Aliases lists the aliases that point at this version, sorted; nil
	// when there are none.
	Aliases []string
	// Source is where the model came from, as a URI ("" when the bytes
	// are all there is): MLflow's source of a model version, such as
	// mlflow-artifacts:/1/<run>/artifacts/model. RunLink is MLflow's
	// run_link, a link to the run on another tracking server.
	Source  string
	RunLink string
}

// Ref returns the reference to this version by number.
func (v Version) Ref() Ref { return Ref{Number: v.Number} }

// URI returns the version's models:/ URI by number (models:/name/3).
func (v Version) URI() string { return URI(v.Name, v.Ref()) }

// public returns the record as a Version; it shares the record's maps, so
// the record must not be used after.
func (r *versionRec) public(name string, n uint64, aliases []string) Version {
	v := Version{
		Name: name, Number: int(n), Digest: formatDigest(r.sum[:]), Size: int64(r.size),
		Format: r.format, RunID: r.runID, Metrics: r.metrics, Tags: r.tags,
		Description: r.description, Created: ms(r.created), CreatedBy: r.createdBy,
		Updated: ms(r.updated), Archived: r.archived, Aliases: aliases,
		Source: r.source, RunLink: r.runLink,
	}
	if r.dataset != nil {
		v.DatasetDigest = formatDigest(r.dataset)
	}
	return v
}

// RegisterOptions describes a version for Register.
type RegisterOptions struct {
	// Format names how the bytes are encoded, for example
	// linear.FormatName ("cairn.linear.logistic"), which serve's default
	// decoder reads. Required; at most 100 bytes.
	Format string
	// RunID is the run that produced the model; DatasetDigest the
	// "sha256:<64 hex>" digest of the data it was trained on. Optional.
	RunID         string
	DatasetDigest string
	// Metrics and Tags are stored with the version. Keys are at most
	// MaxKeyLen bytes, tag values MaxValueLen.
	Metrics     map[string]float64
	Tags        map[string]string
	Description string
	By          string // who registers it; "" means Options.User
	// Source and RunLink are kept as Version.Source and Version.RunLink
	// (at most MaxValueLen bytes each). Optional.
	Source  string
	RunLink string
}

func (o *RegisterOptions) check() (dataset []byte, err error) {
	if err := checkText("format", o.Format, maxFormatLen, false); err != nil {
		return nil, err
	}
	if err := checkText("run id", o.RunID, maxRunIDLen, true); err != nil {
		return nil, err
	}
	if o.RunID == "." || o.RunID == ".." {
		return nil, fmt.Errorf("%w: run id %q is a path segment of its own", ErrInvalid, o.RunID)
	}
	if o.DatasetDigest != "" {
		sum, err := parseDigest(o.DatasetDigest)
		if err != nil {
			return nil, err
		}
		dataset = sum[:]
	}
	for k := range o.Metrics {
		if err := checkText("metric key", k, MaxKeyLen, false); err != nil {
			return nil, err
		}
	}
	if err := checkTags("version", o.Tags); err != nil {
		return nil, err
	}
	if err := checkText("description", o.Description, MaxValueLen, true); err != nil {
		return nil, err
	}
	if err := checkText("source", o.Source, MaxValueLen, true); err != nil {
		return nil, err
	}
	if err := checkText("run link", o.RunLink, MaxValueLen, true); err != nil {
		return nil, err
	}
	return dataset, checkText("author", o.By, maxByLen, true)
}

// Register stores the bytes of model as the next version of the model
// called name (creating the model if it does not exist) and returns it,
// with created true. The record and, by default, the bytes are written in
// one transaction; with Options.Blobs the bytes are put in that store
// first.
//
// Registering bytes that are already a version of this model creates
// nothing: Register returns that existing version, unchanged (its run,
// metrics and tags are not updated), with created false and a nil error.
// The same bytes under another model name are a new version there (the
// stored bytes are shared).
//
// The whole model is read into memory; more than Options.MaxModelBytes, or
// none, is an error wrapping ErrInvalid, as are a bad name and bad
// options.
func (reg *Registry) Register(ctx context.Context, name string, model io.Reader, opts RegisterOptions) (v Version, created bool, err error) {
	if err := checkName(name); err != nil {
		return Version{}, false, err
	}
	dataset, err := opts.check()
	if err != nil {
		return Version{}, false, err
	}
	b, err := readModel(ctx, model, reg.maxBytes)
	if err != nil {
		return Version{}, false, err
	}
	sum := sha256.Sum256(b)
	if reg.blobs != nil {
		unlock, err := reg.putExternal(ctx, b, sum)
		if err != nil {
			return Version{}, false, err
		}
		defer unlock()
	}
	err = reg.update(ctx, func(t *txn) error {
		created = false // the update may run again (a shared engine's retry)
		m, err := t.model(name)
		switch {
		case err == nil:
		case errors.Is(err, ErrNotFound):
			m = modelRec{created: t.now, createdBy: reg.by(opts.By)}
		default:
			return err
		}
		if old := t.digests().Get(digestKey(name, sum)); old != nil {
			if len(old) != 8 {
				return fmt.Errorf("%w: dedup record is %d bytes", ErrCorrupt, len(old))
			}
			n := binary.BigEndian.Uint64(old)
			rec, err := t.version(name, n)
			if err != nil {
				return err
			}
			aliases, err := t.aliasesAt(name, n)
			if err != nil {
				return err
			}
			v = rec.public(name, n, aliases)
			return nil
		}
		if m.last >= MaxVersion {
			return fmt.Errorf("%w: model %q has used every version number", ErrInvalid, name)
		}
		m.last++
		m.updated = t.now
		n := m.last
		rec := versionRec{
			sum: sum, size: uint64(len(b)), format: opts.Format, runID: opts.RunID, dataset: dataset,
			metrics: maps.Clone(opts.Metrics), tags: maps.Clone(opts.Tags), description: opts.Description,
			created: t.now, createdBy: reg.by(opts.By), updated: t.now,
			source: opts.Source, runLink: opts.RunLink,
		}
		if len(rec.metrics) == 0 {
			rec.metrics = nil
		}
		if len(rec.tags) == 0 {
			rec.tags = nil
		}
		puts := []op{
			{t.versions(), versionKey(name, n), rec.encode()},
			{t.digests(), digestKey(name, sum), u64(n)},
			{t.blobRefs(), blobRefKey(sum, name, n), nil},
		}
		if opts.RunID != "" {
			puts = append(puts, op{t.lineage(), lineageKey(lineageRun, []byte(opts.RunID), name, n), nil})
		}
		if dataset != nil {
			puts = append(puts, op{t.lineage(), lineageKey(lineageDataset, dataset, name, n), nil})
		}
		if reg.blobs == nil && t.blobs().Get(sum[:]) == nil {
			puts = append(puts, op{t.blobs(), sum[:], b})
		}
		for _, p := range puts {
			if err := p.bk.Put(p.k, p.v); err != nil {
				return err
			}
		}
		if err := t.putModel(name, &m); err != nil {
			return err
		}
		v, created = rec.public(name, n, nil), true
		return nil
	})
	if err != nil {
		return Version{}, false, err
	}
	reg.log.LogAttrs(ctx, slog.LevelDebug, "registry: register",
		slog.String("model", name), slog.Int("version", v.Number), slog.String("digest", v.Digest), slog.Bool("created", created))
	return v, created, nil
}

// Get returns the version of model name that ref resolves to: "v3" or
// "3", "latest" or "@champion" (see ParseRef). Errors wrap ErrBadRef for
// a reference that does not parse and ErrNotFound for a model, version or
// alias that does not exist.
func (reg *Registry) Get(ctx context.Context, name, ref string) (Version, error) {
	r, err := parseArgs(name, ref)
	if err != nil {
		return Version{}, err
	}
	var out Version
	err = reg.view(ctx, func(t *txn) error {
		out, _, err = t.get(name, r)
		return err
	})
	return out, err
}

// Resolve returns the version a models:/ URI names (see ParseURI), as Get
// does.
func (reg *Registry) Resolve(ctx context.Context, uri string) (Version, error) {
	name, r, err := ParseURI(uri)
	if err != nil {
		return Version{}, err
	}
	return reg.Get(ctx, name, r.String())
}

// Load returns the version of model name that ref resolves to, as Get
// does, and its bytes, read whole and checked against the version's
// digest. Bytes that do not hash to it are an error wrapping ErrCorrupt.
// The version and the bytes are read in one transaction (with
// Options.Blobs the bytes are read from that store after it).
func (reg *Registry) Load(ctx context.Context, name, ref string) (Version, []byte, error) {
	r, err := parseArgs(name, ref)
	if err != nil {
		return Version{}, nil, err
	}
	var out Version
	var b []byte
	var rec versionRec
	err = reg.view(ctx, func(t *txn) error {
		out, rec, err = t.get(name, r)
		if err != nil || reg.blobs != nil {
			return err
		}
		b, err = t.blob(rec.sum)
		return err
	})
	if err != nil {
		return Version{}, nil, err
	}
	if reg.blobs != nil {
		if b, err = reg.readExternal(ctx, rec.sum, rec.size); err != nil {
			return Version{}, nil, err
		}
	}
	return out, b, nil
}

func parseArgs(name, ref string) (Ref, error) {
	if err := checkName(name); err != nil {
		return Ref{}, err
	}
	return ParseRef(ref)
}

func (t *txn) get(name string, r Ref) (Version, versionRec, error) {
	n, err := t.resolve(name, r)
	if err != nil {
		return Version{}, versionRec{}, err
	}
	rec, err := t.version(name, n)
	if err != nil {
		return Version{}, versionRec{}, err
	}
	aliases, err := t.aliasesAt(name, n)
	if err != nil {
		return Version{}, versionRec{}, err
	}
	return rec.public(name, n, aliases), rec, nil
}

// Versions returns every version of a model, archived ones included, in
// number order.
func (reg *Registry) Versions(ctx context.Context, name string) ([]Version, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	var out []Version
	err := reg.view(ctx, func(t *txn) error {
		if t.models().Get([]byte(name)) == nil {
			return fmt.Errorf("%w: model %q", ErrNotFound, name)
		}
		aliases, err := t.aliasesOf(name)
		if err != nil {
			return err
		}
		at := map[uint64][]string{}
		for a, v := range aliases {
			at[v] = append(at[v], a)
		}
		prefix := namePrefix(name)
		c := t.versions().Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			_, n, ok := splitVersionKey(k)
			if !ok {
				return fmt.Errorf("%w: version key %q", ErrCorrupt, k)
			}
			rec, err := decodeVersion(v)
			if err != nil {
				return err
			}
			slices.Sort(at[n])
			out = append(out, rec.public(name, n, at[n]))
		}
		return nil
	})
	return out, err
}

// VersionsByRun returns the versions, of any model, registered with run id
// runID, ordered by model name and number.
func (reg *Registry) VersionsByRun(ctx context.Context, runID string) ([]Version, error) {
	if err := checkText("run id", runID, maxRunIDLen, false); err != nil {
		return nil, err
	}
	return reg.byLineage(ctx, lineageRun, []byte(runID))
}

// VersionsByDataset returns the versions, of any model, trained on the
// data set with the given "sha256:<hex>" digest, ordered by model name and
// number.
func (reg *Registry) VersionsByDataset(ctx context.Context, digest string) ([]Version, error) {
	sum, err := parseDigest(digest)
	if err != nil {
		return nil, err
	}
	return reg.byLineage(ctx, lineageDataset, sum[:])
}

func (reg *Registry) byLineage(ctx context.Context, kind byte, value []byte) ([]Version, error) {
	prefix := append(append([]byte{kind}, value...), 0)
	var out []Version
	err := reg.view(ctx, func(t *txn) error {
		c := t.lineage().Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			name, n, ok := splitVersionKey(k[len(prefix):])
			if !ok {
				return fmt.Errorf("%w: lineage key %q", ErrCorrupt, k)
			}
			v, _, err := t.get(name, Ref{Number: int(n)})
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// Archive marks a version archived: it stays readable by number, but
// "latest" skips it and no alias may be set to it. A version that an
// alias points at cannot be archived (ErrAliasInUse). Archiving an
// archived version changes nothing.
func (reg *Registry) Archive(ctx context.Context, name string, version int) error {
	return reg.editVersion(ctx, name, version, func(t *txn, rec *versionRec) error {
		if err := t.checkUnaliased(name, uint64(version), "archive"); err != nil {
			return err
		}
		rec.archived = true
		return nil
	})
}

// Unarchive clears a version's archived mark.
func (reg *Registry) Unarchive(ctx context.Context, name string, version int) error {
	return reg.editVersion(ctx, name, version, func(_ *txn, rec *versionRec) error {
		rec.archived = false
		return nil
	})
}

// SetVersionTag sets a tag on a version, replacing any value it had.
func (reg *Registry) SetVersionTag(ctx context.Context, name string, version int, key, value string) error {
	if err := checkTags("version", map[string]string{key: value}); err != nil {
		return err
	}
	return reg.editVersion(ctx, name, version, func(_ *txn, rec *versionRec) error {
		if rec.tags == nil {
			rec.tags = map[string]string{}
		}
		rec.tags[key] = value
		return nil
	})
}

// DeleteVersionTag removes a tag from a version; removing a tag that is
// not there is not an error.
func (reg *Registry) DeleteVersionTag(ctx context.Context, name string, version int, key string) error {
	return reg.editVersion(ctx, name, version, func(_ *txn, rec *versionRec) error {
		delete(rec.tags, key)
		if len(rec.tags) == 0 {
			rec.tags = nil
		}
		return nil
	})
}

func checkNumber(version int) error {
	if version < 1 || version > MaxVersion {
		return fmt.Errorf("%w: version number %d is out of range", ErrInvalid, version)
	}
	return nil
}

func (reg *Registry) editVersion(ctx context.Context, name string, version int, edit func(*txn, *versionRec) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkNumber(version); err != nil {
		return err
	}
	return reg.update(ctx, func(t *txn) error {
		rec, err := t.version(name, uint64(version))
		if err != nil {
			return err
		}
		before := rec.encode()
		if err := edit(t, &rec); err != nil {
			return err
		}
		rec.updated = changedAt(before, rec.encode(), rec.updated, t.now)
		if err := t.versions().Put(versionKey(name, uint64(version)), rec.encode()); err != nil {
			return err
		}
		return t.touch(name)
	})
}

// changedAt returns now if the record changed, else the old time.
func changedAt(before, after []byte, old, now int64) int64 {
	if bytes.Equal(before, after) {
		return old
	}
	return now
}

// checkUnaliased fails with ErrAliasInUse if an alias points at version n.
func (t *txn) checkUnaliased(name string, n uint64, what string) error {
	aliases, err := t.aliasesAt(name, n)
	if err != nil {
		return err
	}
	if len(aliases) > 0 {
		return fmt.Errorf("%w: cannot %s version %d of model %q: @%s points at it", ErrAliasInUse, what, n, name, strings.Join(aliases, ", @"))
	}
	return nil
}

// DeleteVersion removes a version: its record, and its bytes if no other
// version holds the same ones (bytes in an Options.Blobs store are left to
// that store's owner). Its number is not reused, and the alias history
// that names it is kept. A version that an alias points at cannot be
// deleted (ErrAliasInUse).
func (reg *Registry) DeleteVersion(ctx context.Context, name string, version int) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkNumber(version); err != nil {
		return err
	}
	n := uint64(version)
	return reg.update(ctx, func(t *txn) error {
		rec, err := t.version(name, n)
		if err != nil {
			return err
		}
		if err := t.checkUnaliased(name, n, "delete"); err != nil {
			return err
		}
		if err := t.deleteVersion(name, n, rec); err != nil {
			return err
		}
		return t.touch(name)
	})
}

// deleteVersion removes version n of model name (whose record is rec)
// and everything that refers to it, and its bytes from the registry's
// own bucket if no other version holds them.
func (t *txn) deleteVersion(name string, n uint64, rec versionRec) error {
	dels := []op{
		{t.versions(), versionKey(name, n), nil},
		{t.blobRefs(), blobRefKey(rec.sum, name, n), nil},
		{t.lineage(), lineageKey(lineageRun, []byte(rec.runID), name, n), nil},
	}
	if old := t.digests().Get(digestKey(name, rec.sum)); len(old) == 8 && binary.BigEndian.Uint64(old) == n {
		dels = append(dels, op{t.digests(), digestKey(name, rec.sum), nil})
	}
	if rec.dataset != nil {
		dels = append(dels, op{t.lineage(), lineageKey(lineageDataset, rec.dataset, name, n), nil})
	}
	for _, d := range dels {
		if err := d.bk.Delete(d.k); err != nil {
			return err
		}
	}
	if t.reg.blobs == nil {
		if k, _ := t.blobRefs().Cursor().Seek(rec.sum[:]); k == nil || !bytes.HasPrefix(k, rec.sum[:]) {
			if err := t.blobs().Delete(rec.sum[:]); err != nil {
				return err
			}
		}
	}
	return nil
}
