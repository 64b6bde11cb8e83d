package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/goblog/accountservice/internal/account"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Person_0", "Person_0", true},
		{"  Ada Lovelace \t", "Ada Lovelace", true},
		{"Zoë Ørsted-李", "Zoë Ørsted-李", true},
		{strings.Repeat("é", 100), strings.Repeat("é", 100), true},
		{strings.Repeat("a", 101), "", false},
		{"", "", false},
		{"   ", "", false},
		{"tab\tinside", "", false},
		{"new\nline", "", false},
		{"nul\x00", "", false},
		{"bad\xffutf8", "", false},
		{"no\u00a0break", "", false}, // only the ASCII space is printable space
		{"bidi\u202eoverride", "", false},
	}
	for _, tt := range tests {
		got, err := account.NormalizeName(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if !tt.ok && !errors.Is(err, account.ErrInvalid) {
			t.Errorf("NormalizeName(%q) error = %v; want ErrInvalid", tt.in, err)
		}
		if again, err := account.NormalizeName(got); tt.ok && (err != nil || again != got) {
			t.Errorf("NormalizeName(%q) = %q, %v; want it unchanged: a normalized name is valid", got, again, err)
		}
	}
}

func TestSeedAccounts(t *testing.T) {
	seed := account.SeedAccounts(100)
	if len(seed) != 100 || seed[0] != (account.Account{ID: "10000", Name: "Person_0"}) ||
		seed[99] != (account.Account{ID: "10099", Name: "Person_99"}) {
		t.Fatalf("SeedAccounts(100) = %v … %v", seed[0], seed[len(seed)-1])
	}
}
