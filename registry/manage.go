package registry

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// RenameModel gives model name a new name, with its versions, aliases,
// alias history and lineage, in one transaction, as MLflow's
// rename_registered_model does. The new name follows the rules of
// package doc, # Names, and must not be taken (ErrExists). A Watch of an
// alias under the old name sees no later moves: watch the new name.
// Renaming to the same name changes nothing.
func (reg *Registry) RenameModel(ctx context.Context, name, newName string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkName(newName); err != nil {
		return err
	}
	if name == newName {
		_, err := reg.Model(ctx, name)
		return err
	}
	return reg.update(ctx, func(t *txn) error {
		m, err := t.model(name)
		if err != nil {
			return err
		}
		if t.models().Get([]byte(newName)) != nil {
			return fmt.Errorf("%w: model %q", ErrExists, newName)
		}
		// Keys that start with the model's name move to the new name.
		from, to := namePrefix(name), namePrefix(newName)
		var recs []versionRec
		var nums []uint64
		for _, bk := range []int{bVersions, bAliases, bHistory, bDigests} {
			b := t.bucket(bk)
			var moves []op
			c := b.Cursor()
			for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, from); k, v = c.Next() {
				moves = append(moves, op{b, bytes.Clone(k), bytes.Clone(v)})
				if bk == bVersions {
					_, n, ok := splitVersionKey(k)
					rec, err := decodeVersion(v)
					if !ok || err != nil {
						return fmt.Errorf("%w: version key %q: %v", ErrCorrupt, k, err)
					}
					recs, nums = append(recs, rec), append(nums, n)
				}
			}
			for _, mv := range moves {
				if err := b.Delete(mv.k); err != nil {
					return err
				}
				if err := b.Put(append(bytes.Clone(to), mv.k[len(from):]...), mv.v); err != nil {
					return err
				}
			}
		}
		// Keys that hold the name inside: lineage and blob references.
		for i, rec := range recs {
			n := nums[i]
			pairs := [][2][]byte{
				{blobRefKey(rec.sum, name, n), blobRefKey(rec.sum, newName, n)},
				{lineageKey(lineageRun, []byte(rec.runID), name, n), lineageKey(lineageRun, []byte(rec.runID), newName, n)},
			}
			if rec.dataset != nil {
				pairs = append(pairs, [2][]byte{lineageKey(lineageDataset, rec.dataset, name, n), lineageKey(lineageDataset, rec.dataset, newName, n)})
			}
			for j, p := range pairs {
				b := t.blobRefs()
				if j > 0 {
					b = t.lineage()
				}
				if b.Get(p[0]) == nil {
					continue // a version registered without a run has no run lineage
				}
				if err := b.Delete(p[0]); err != nil {
					return err
				}
				if err := b.Put(p[1], nil); err != nil {
					return err
				}
			}
		}
		if err := t.models().Delete([]byte(name)); err != nil {
			return err
		}
		m.updated = t.now
		return t.putModel(newName, &m)
	})
}

// DeleteModel removes model name with all its versions and its alias
// history, as MLflow's delete_registered_model does, in one transaction.
// A model with an alias set cannot be deleted (ErrAliasInUse): a server
// may be following it; delete the aliases first. Bytes in an
// Options.Blobs store are left to that store's GC.
func (reg *Registry) DeleteModel(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return reg.update(ctx, func(t *txn) error {
		if _, err := t.model(name); err != nil {
			return err
		}
		aliases, err := t.aliasesOf(name)
		if err != nil {
			return err
		}
		if len(aliases) > 0 {
			var names []string
			for a := range aliases {
				names = append(names, "@"+a)
			}
			return fmt.Errorf("%w: cannot delete model %q: %s points into it", ErrAliasInUse, name, strings.Join(names, ", "))
		}
		prefix := namePrefix(name)
		type ver struct {
			n   uint64
			rec versionRec
		}
		var vers []ver
		c := t.versions().Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			_, n, ok := splitVersionKey(k)
			rec, err := decodeVersion(v)
			if !ok || err != nil {
				return fmt.Errorf("%w: version key %q: %v", ErrCorrupt, k, err)
			}
			vers = append(vers, ver{n, rec})
		}
		for _, v := range vers {
			if err := t.deleteVersion(name, v.n, v.rec); err != nil {
				return err
			}
		}
		for _, bk := range []int{bHistory, bDigests} {
			b := t.bucket(bk)
			var keys [][]byte
			c := b.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				keys = append(keys, bytes.Clone(k))
			}
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
		return t.models().Delete([]byte(name))
	})
}

// SetVersionDescription replaces the description of a version.
func (reg *Registry) SetVersionDescription(ctx context.Context, name string, version int, description string) error {
	if err := checkText("description", description, MaxValueLen, true); err != nil {
		return err
	}
	return reg.editVersion(ctx, name, version, func(_ *txn, rec *versionRec) error {
		rec.description = description
		return nil
	})
}
