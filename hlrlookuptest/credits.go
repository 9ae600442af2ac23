package hlrlookuptest

import "time"

// Assumed prices of one number, in credits, where LOOKUPS.md has none of
// its own; an HLR lookup costs what the result generator says (1, 0.5 for
// a global-cache hit, 0 for BAD_FORMAT and NO_COVERAGE).
const (
	mnpCredits      = 0.5  // third party (the official PHP SDK's README)
	validateCredits = 0.25 // unknown: assumed
)

// cacheKey names one private-cache entry: an account's lookup of a kind of
// a detected number.
type cacheKey struct {
	account, kind, detected string
}

// Balance returns the credit left on the account with API key apiKey (the
// balance POST /apiv2/balance reports), or 0 for an unknown key.
func (s *Server) Balance(apiKey string) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balances[apiKey]
}

// SetBalance sets the credit left on the account with API key apiKey, e.g.
// to make it run out in the middle of a test. It panics on an unknown key or
// a negative amount.
func (s *Server) SetBalance(apiKey string, credits float64) {
	if !(credits >= 0) {
		panic("hlrlookuptest: SetBalance needs an amount >= 0")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.balances[apiKey]; !ok {
		panic("hlrlookuptest: SetBalance: no account with that API key")
	}
	s.balances[apiKey] = credits
}

// Charges returns how many times number, exactly as sent, was charged: the
// lookups (HLR, MNP, validate) and processed batch items of every account
// that cost more than 0 credits. Private-cache hits, free results and
// INSUFFICIENT_CREDIT answers are not charges. A test proves that nothing was
// charged twice with Charges(n) <= 1 for every number n.
func (s *Server) Charges(number string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.charges[number]
}

// chargeLocked takes cost credits from acct for number. It reports false,
// taking nothing, when the balance is short.
func (s *Server) chargeLocked(acct *account, number string, cost float64) bool {
	if cost > s.balances[acct.key] {
		return false
	}
	if cost > 0 {
		s.balances[acct.key] -= cost
		s.charges[number]++
	}
	return true
}

// processLocked completes b's items up to n (from b.numComplete), charging
// each to b's owner; an item the balance cannot pay gets INSUFFICIENT_CREDIT
// in the results and costs nothing.
func (s *Server) processLocked(b *batch, n int) {
	for i := b.numComplete; i < n && i < len(b.numbers); i++ {
		cost := makeRecord(b.numbers[i], b.args, time.Time{}).CreditsSpent
		if !s.chargeLocked(b.owner, b.numbers[i], cost) {
			if b.noCredit == nil {
				b.noCredit = make(map[int]bool)
			}
			b.noCredit[i] = true
		}
	}
	b.numComplete = max(b.numComplete, n)
}
