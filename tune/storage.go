package tune

import (
	"slices"
	"sync"
)

// Storage keeps the trials of one study so that it can be resumed. A study
// calls Load once, when it is made, and Save every time a trial starts or
// ends, with the trial's latest record (Save replaces the record with the
// same Number). Implementations must be safe for concurrent use and must
// not change the records they are given.
type Storage interface {
	Load() ([]FrozenTrial, error)
	Save(t FrozenTrial) error
}

// MemoryStorage keeps trials in memory; it is the default storage. Its zero
// value is empty and ready to use. It is safe for concurrent use.
type MemoryStorage struct {
	mu     sync.Mutex
	trials []FrozenTrial
}

var _ Storage = (*MemoryStorage)(nil)

// NewMemoryStorage returns an empty MemoryStorage.
func NewMemoryStorage() *MemoryStorage { return &MemoryStorage{} }

// Load returns the trials saved so far, in number order.
func (m *MemoryStorage) Load() ([]FrozenTrial, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.trials), nil
}

// Save records t, replacing any record with the same number.
func (m *MemoryStorage) Save(t FrozenTrial) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, found := slices.BinarySearchFunc(m.trials, t.Number, func(a FrozenTrial, n int) int { return a.Number - n })
	if found {
		m.trials[i] = t
	} else {
		m.trials = slices.Insert(m.trials, i, t)
	}
	return nil
}
