// Package account holds the accountservice domain: accounts, the store they
// live in, and the service that enriches them with a quote and an image.
package account

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// VIPID is the account whose every read is announced on the VIP queue.
const VIPID = "10000"

// MaxNameLength is the longest accepted account name, in characters.
const MaxNameLength = 100

// Business errors. Handlers map them to 4xx; any other error from the
// service is a fault of the service or its storage (5xx). Downstream
// failures never surface here: quotes and images fall back instead.
var (
	// ErrNotFound means no account has the requested id.
	ErrNotFound = errors.New("account not found")
	// ErrInvalid means the caller sent a malformed id or name.
	ErrInvalid = errors.New("invalid input")
)

// ErrUnavailable means the store could not answer: its database is
// unreachable, restarting or too slow for the deadline. It is a passing
// condition, not a fault of the request nor a bug: handlers answer 503
// (RFC 9110 §15.6.4) and the same request may succeed later. Stores wrap it
// together with the cause (errors.Is finds both).
var ErrUnavailable = errors.New("account store unavailable")

// Account is an account as the service hands it out. Only ID and Name are
// stored; ServedBy, Quote and Image are filled in per request. It is the
// domain type: the stores keep their own record of it and the HTTP transport
// its own JSON, each converted at the crossing.
type Account struct {
	ID       string
	Name     string
	ServedBy string // the accountservice instance that answered
	Quote    Quote  // zero when not fetched (a newly created account)
	Image    Image  // zero when not fetched
}

// Quote is a quote shown with an account, from quotes-service or its fallback.
type Quote struct {
	Text      string
	IPAddress string // the quotes-service instance that answered, or "circuit-breaker"
	Language  string
}

// Image is the picture of an account, from imageservice or its fallback.
type Image struct {
	URL      string // absolute
	ServedBy string // the imageservice instance that answered, or "fallback"
}

// Store persists accounts. Implementations are safe for concurrent use.
// Every method honours ctx: a cancelled or expired context ends the call
// with an error wrapping ctx.Err(). A store on a database server wraps
// ErrUnavailable into errors that mean "the database did not answer in time"
// (connection refused or lost, server shutting down, deadline reached).
type Store interface {
	// Get returns the stored account (ID and Name) or an error wrapping ErrNotFound.
	Get(ctx context.Context, id string) (Account, error)
	// Create stores a new account under the next free id and returns it.
	// The account is durable when Create returns without error.
	Create(ctx context.Context, name string) (Account, error)
	// Seed stores accounts the first time it is called on a store, then
	// never again, so later changes survive restarts. It never overwrites an
	// existing id, and reports whether it seeded.
	Seed(ctx context.Context, accounts []Account) (bool, error)
}

// SeedAccounts returns the n demo accounts of the landscape:
// ids 10000, 10001, … named Person_0, Person_1, ….
func SeedAccounts(n int) []Account {
	accounts := make([]Account, n)
	for i := range accounts {
		accounts[i] = Account{ID: strconv.Itoa(FirstID + i), Name: "Person_" + strconv.Itoa(i)}
	}
	return accounts
}

// FirstID is the lowest account id; stores hand out ids from here on.
const FirstID = 10000

// NormalizeName trims surrounding white space and checks the rest: valid
// UTF-8, 1 to MaxNameLength characters, every one printable
// (unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the
// ASCII space; no control characters, no other kinds of space).
func NormalizeName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: name must be valid UTF-8", ErrInvalid)
	}
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxNameLength {
		return "", fmt.Errorf("%w: name must be 1 to %d characters", ErrInvalid, MaxNameLength)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", fmt.Errorf("%w: name must contain only printable characters", ErrInvalid)
		}
	}
	return name, nil
}
