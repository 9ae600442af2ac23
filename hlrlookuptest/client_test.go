package hlrlookuptest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seed682fd871/hlrlookup"
)

// TestClient checks the SDK client from Client reaches the fake with the
// default account's credentials.
func TestClient(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	ctx := context.Background()
	b, err := srv.Client().CreateBatch(ctx, hlrlookup.NewBatch{Filename: "c.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "1001" || b.Filename != "c.csv" {
		t.Errorf("batch %+v", b)
	}
	if st, ok := srv.Batch("1001"); !ok || st.Owner != APIKey || st.Type != "HLR_V2" {
		t.Errorf("stored %+v", st)
	}
	_, err = srv.Client().GetBatch(ctx, "9999")
	if !errors.Is(err, hlrlookup.ErrBatchNotFound) {
		t.Errorf("GetBatch(9999): %v", err)
	}

	defer func() {
		r := recover()
		if r == nil || strings.Contains(r.(string), Secret) || !strings.Contains(r.(string), "hlrlookuptest") {
			t.Errorf("panic %v", r)
		}
	}()
	srv.Client(hlrlookup.WithBaseURL("http://example.com"))
}
