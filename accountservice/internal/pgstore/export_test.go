package pgstore

import "github.com/jackc/pgx/v5/pgxpool"

// Pool exposes the store's pool to the tests, to look at its sessions.
func Pool(s *Store) *pgxpool.Pool { return s.pool }
