// Package accountid is the one definition of an account id, shared by every
// service that takes one: accountservice (GET /accounts/{id}, its stores),
// imageservice (GET /accounts/{id}) and the VIP event (common/vipevent).
//
// An account id is a canonical decimal number that fits in a uint64: ASCII
// digits only, no sign, no leading zero (but "0" itself), at most
// 18446744073709551615. The canonical form makes the string and the number
// interchangeable: "010000" and "10000" are never two names of one account.
// accountservice hands ids out from 10000 up.
package accountid

import (
	"fmt"
	"strconv"
)

// Parse checks that s is an account id and returns its value. The error
// names s and says what is wrong with it: `account id "010000" is not a
// canonical decimal number` or `account id "…" is out of range`.
func Parse(s string) (uint64, error) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("account id %q is not a canonical decimal number", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("account id %q is not a canonical decimal number", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("account id %q is out of range", s)
	}
	return n, nil
}
