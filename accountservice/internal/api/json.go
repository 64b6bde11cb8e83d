package api

import "github.com/goblog/accountservice/internal/account"

// accountJSON is an account in a response body, the public API:
// {"id","name","servedBy","quote":{"quote","ipAddress","language"},"imageData":{"url","servedBy"}},
// quote and imageData left out when not fetched (POST /accounts). Its field
// names keep what clients of the original blog service parse.
type accountJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	ServedBy  string    `json:"servedBy"`
	Quote     quoteJSON `json:"quote,omitzero"`
	ImageData imageJSON `json:"imageData,omitzero"`
}

type quoteJSON struct {
	Quote     string `json:"quote"`
	IPAddress string `json:"ipAddress"`
	Language  string `json:"language"`
}

type imageJSON struct {
	URL      string `json:"url"`
	ServedBy string `json:"servedBy"`
}

// newAccountJSON converts the domain type to the public JSON.
func newAccountJSON(a account.Account) accountJSON {
	return accountJSON{
		ID:        a.ID,
		Name:      a.Name,
		ServedBy:  a.ServedBy,
		Quote:     quoteJSON{Quote: a.Quote.Text, IPAddress: a.Quote.IPAddress, Language: a.Quote.Language},
		ImageData: imageJSON{URL: a.Image.URL, ServedBy: a.Image.ServedBy},
	}
}
