package hlrlookuptest

import (
	"net/http"

	"github.com/seed682fd871/hlrlookup"
)

// Client returns an SDK client for the default account (APIKey, Secret),
// already pointed at the fake for both services: batches with
// hlrlookup.WithBaseURL(s.URL), instant lookups and the balance with
// hlrlookup.WithLookupURL(s.LookupURL()) (and, for a server made
// WithoutNetwork, hlrlookup.WithHTTPClient with the server's Transport);
// opts are applied after that and may override it. An *http.Client of your
// own for a server WithoutNetwork needs s.Transport().
// It panics if NewClient fails, with a message that never holds the secret.
func (s *Server) Client(opts ...hlrlookup.Option) *hlrlookup.Client {
	base := []hlrlookup.Option{hlrlookup.WithBaseURL(s.URL), hlrlookup.WithLookupURL(s.LookupURL())}
	if s.mem != nil {
		base = append(base, hlrlookup.WithHTTPClient(&http.Client{Transport: s.mem}))
	}
	c, err := hlrlookup.NewClient(APIKey, Secret, append(base, opts...)...)
	if err != nil {
		panic("hlrlookuptest: Server.Client: hlrlookup.NewClient failed: " + err.Error())
	}
	return c
}

// LookupURL returns the base URL of the fake's lookup endpoints, s.URL +
// "/apiv2": the URL to give the SDK as its lookup URL, as the batches base
// URL is s.URL. For a server made WithoutNetwork it is reachable only
// through Transport.
func (s *Server) LookupURL() string {
	return s.URL + lookupPrefix
}
