// Package memstore is an in-memory account.Store and account.Outbox for
// tests and experiments.
// Nothing survives the process.
package memstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/accountid"
)

// Store is an in-memory account.Store, safe for concurrent use.
type Store struct {
	mu     sync.RWMutex
	names  map[string]string // id → name
	nextID uint64
	seeded bool
	outbox map[string]*pending // VIP notifications by id
}

var _ account.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{names: make(map[string]string), nextID: account.FirstID}
}

// Get returns the account with the given id.
func (s *Store) Get(ctx context.Context, id string) (account.Account, error) {
	if err := ctx.Err(); err != nil {
		return account.Account{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, ok := s.names[id]
	if !ok {
		return account.Account{}, fmt.Errorf("account %s: %w", id, account.ErrNotFound)
	}
	return account.Account{ID: id, Name: name}, nil
}

// Create stores an account under the next free id.
func (s *Store) Create(ctx context.Context, name string) (account.Account, error) {
	if err := ctx.Err(); err != nil {
		return account.Account{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.FormatUint(s.nextID, 10)
	for _, taken := s.names[id]; taken; _, taken = s.names[id] {
		s.nextID++
		id = strconv.FormatUint(s.nextID, 10)
	}
	s.nextID++
	s.names[id] = name
	return account.Account{ID: id, Name: name}, nil
}

// Seed stores accounts on its first call only.
func (s *Store) Seed(ctx context.Context, accounts []account.Account) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := validate(accounts); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seeded {
		return false, nil
	}
	for _, a := range accounts {
		if _, taken := s.names[a.ID]; taken {
			continue
		}
		s.names[a.ID] = a.Name
		if n, _ := accountid.Parse(a.ID); n >= s.nextID {
			s.nextID = n + 1
		}
	}
	s.seeded = true
	return true, nil
}

func validate(accounts []account.Account) error {
	for _, a := range accounts {
		if _, err := accountid.Parse(a.ID); err != nil {
			return fmt.Errorf("seeding: %w: %w", account.ErrInvalid, err)
		}
	}
	return nil
}
