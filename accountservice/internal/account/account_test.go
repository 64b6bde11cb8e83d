package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/goblog/accountservice/internal/account"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"10000", 10000, true},
		{"0", 0, true},
		{"18446744073709551615", 18446744073709551615, true},
		{"18446744073709551616", 0, false},
		{"", 0, false},
		{"010000", 0, false},
		{"+10000", 0, false},
		{"-1", 0, false},
		{"10 000", 0, false},
		{"abc", 0, false},
		{"1e4", 0, false},
		{"１２", 0, false}, // full-width digits
	}
	for _, tt := range tests {
		got, err := account.ParseID(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("ParseID(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
		if !tt.ok && !errors.Is(err, account.ErrInvalid) {
			t.Errorf("ParseID(%q) error = %v; want ErrInvalid", tt.in, err)
		}
	}
}

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
		if tt.ok && !account.ValidName(got) {
			t.Errorf("ValidName(%q) = false after normalizing", got)
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
