package hlrlookuptest

import "github.com/seed682fd871/hlrlookup"

// Client returns an SDK client for the default account (APIKey, Secret),
// already pointed at the fake with hlrlookup.WithBaseURL(s.URL); opts are
// applied after that and may override it. It panics if NewClient fails,
// with a message that never holds the secret.
func (s *Server) Client(opts ...hlrlookup.Option) *hlrlookup.Client {
	c, err := hlrlookup.NewClient(APIKey, Secret, append([]hlrlookup.Option{hlrlookup.WithBaseURL(s.URL)}, opts...)...)
	if err != nil {
		panic("hlrlookuptest: Server.Client: hlrlookup.NewClient failed: " + err.Error())
	}
	return c
}
