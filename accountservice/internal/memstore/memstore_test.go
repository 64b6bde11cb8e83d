package memstore_test

import (
	"testing"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/memstore"
	"github.com/goblog/accountservice/internal/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(*testing.T) account.Store { return memstore.New() },
	})
}
