package registry

import (
	"context"
	"fmt"
	"maps"
	"time"
)

// Model is a registered model as read from the registry: a name that
// versions are registered under, with a description and tags. It is a
// copy; changing it changes nothing stored.
type Model struct {
	Name        string
	Description string
	Tags        map[string]string // nil when there are none
	Created     time.Time         // UTC, millisecond precision
	Updated     time.Time         // the last change to the model, its versions or its aliases
	CreatedBy   string
	// LastVersion is the highest version number given out so far (0 before
	// the first). Numbers are never reused, even after DeleteVersion.
	LastVersion int
	// Aliases maps each alias of the model to the version it points at;
	// nil when there are none.
	Aliases map[string]int
}

// ModelOptions describes a model for CreateModel.
type ModelOptions struct {
	Description string            // at most MaxValueLen bytes
	Tags        map[string]string // keys at most MaxKeyLen bytes, values MaxValueLen
	By          string            // who creates it; "" means Options.User
}

func (o ModelOptions) check() error {
	if err := checkText("description", o.Description, MaxValueLen, true); err != nil {
		return err
	}
	if err := checkText("author", o.By, maxByLen, true); err != nil {
		return err
	}
	return checkTags("model", o.Tags)
}

// CreateModel registers a model with no versions yet. It fails with
// ErrExists if the name is taken and ErrInvalid for a bad name (see
// package doc, # Names). Register creates the model itself if needed, so
// CreateModel is only for giving a description and tags up front.
func (reg *Registry) CreateModel(ctx context.Context, name string, opts ModelOptions) (Model, error) {
	if err := checkName(name); err != nil {
		return Model{}, err
	}
	if err := opts.check(); err != nil {
		return Model{}, err
	}
	var out Model
	err := reg.update(ctx, func(t *txn) error {
		if t.models().Get([]byte(name)) != nil {
			return fmt.Errorf("%w: model %q", ErrExists, name)
		}
		m := modelRec{
			description: opts.Description, tags: maps.Clone(opts.Tags),
			created: t.now, updated: t.now, createdBy: reg.by(opts.By),
		}
		if err := t.putModel(name, &m); err != nil {
			return err
		}
		out = m.public(name, nil)
		return nil
	})
	if err != nil {
		return Model{}, err
	}
	return out, nil
}

func (m *modelRec) public(name string, aliases map[string]uint64) Model {
	out := Model{
		Name: name, Description: m.description, Tags: maps.Clone(m.tags),
		Created: ms(m.created), Updated: ms(m.updated), CreatedBy: m.createdBy,
		LastVersion: int(m.last),
	}
	if len(out.Tags) == 0 {
		out.Tags = nil
	}
	for a, v := range aliases {
		if out.Aliases == nil {
			out.Aliases = make(map[string]int, len(aliases))
		}
		out.Aliases[a] = int(v)
	}
	return out
}

// Model returns a registered model, or an error wrapping ErrNotFound.
func (reg *Registry) Model(ctx context.Context, name string) (Model, error) {
	if err := checkName(name); err != nil {
		return Model{}, err
	}
	var out Model
	err := reg.view(ctx, func(t *txn) error {
		m, err := t.model(name)
		if err != nil {
			return err
		}
		aliases, err := t.aliasesOf(name)
		if err != nil {
			return err
		}
		out = m.public(name, aliases)
		return nil
	})
	return out, err
}

// Models returns every registered model, sorted by name.
func (reg *Registry) Models(ctx context.Context) ([]Model, error) {
	var out []Model
	err := reg.view(ctx, func(t *txn) error {
		c := t.models().Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			m, err := decodeModel(v)
			if err != nil {
				return fmt.Errorf("model %q: %w", k, err)
			}
			aliases, err := t.aliasesOf(string(k))
			if err != nil {
				return err
			}
			out = append(out, m.public(string(k), aliases))
		}
		return nil
	})
	return out, err
}

// SetDescription replaces a model's description.
func (reg *Registry) SetDescription(ctx context.Context, name, description string) error {
	if err := checkText("description", description, MaxValueLen, true); err != nil {
		return err
	}
	return reg.editModel(ctx, name, func(m *modelRec) { m.description = description })
}

// SetModelTag sets a tag on a model, replacing any value it had.
func (reg *Registry) SetModelTag(ctx context.Context, name, key, value string) error {
	if err := checkTags("model", map[string]string{key: value}); err != nil {
		return err
	}
	return reg.editModel(ctx, name, func(m *modelRec) {
		if m.tags == nil {
			m.tags = map[string]string{}
		}
		m.tags[key] = value
	})
}

// DeleteModelTag removes a tag from a model; removing a tag that is not
// there is not an error.
func (reg *Registry) DeleteModelTag(ctx context.Context, name, key string) error {
	return reg.editModel(ctx, name, func(m *modelRec) { delete(m.tags, key) })
}

func (reg *Registry) editModel(ctx context.Context, name string, edit func(*modelRec)) error {
	if err := checkName(name); err != nil {
		return err
	}
	return reg.update(ctx, func(t *txn) error {
		m, err := t.model(name)
		if err != nil {
			return err
		}
		edit(&m)
		m.updated = t.now
		return t.putModel(name, &m)
	})
}

// touch marks a model as updated now.
func (t *txn) touch(name string) error {
	m, err := t.model(name)
	if err != nil {
		return err
	}
	m.updated = t.now
	return t.putModel(name, &m)
}
