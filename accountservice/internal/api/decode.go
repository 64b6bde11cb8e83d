package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/goblog/accountservice/internal/account"
)

// MaxCreateBodyBytes bounds the body of POST /accounts.
const MaxCreateBodyBytes = 64 << 10

// createAccountRequest is the body of POST /accounts.
type createAccountRequest struct {
	Name *string `json:"name"`
}

// DecodeCreateAccount reads a POST /accounts body: exactly one JSON object
// with the single field "name", nothing after it. It returns the name
// normalized by account.NormalizeName. Every error wraps account.ErrInvalid;
// one caused by an over-long body also wraps the *http.MaxBytesError.
func DecodeCreateAccount(r io.Reader) (string, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var req createAccountRequest
	if err := dec.Decode(&req); err != nil {
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("%w: empty request body", account.ErrInvalid)
		}
		return "", fmt.Errorf("%w: request body: %w", account.ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("data after the JSON object")
		}
		return "", fmt.Errorf("%w: request body: %w", account.ErrInvalid, err)
	}
	if req.Name == nil {
		return "", fmt.Errorf("%w: name is required", account.ErrInvalid)
	}
	return account.NormalizeName(*req.Name)
}
