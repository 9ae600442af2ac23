package hlrlookup

import (
	"testing"
	"time"
)

// TestDefaultRetryPolicyIsACopy changes the exported DefaultRetryPolicy, as
// any importer can, and checks that no new client takes the change: neither
// NewClient's default nor the waits WithRetryPolicy fills in. It is not
// parallel: it writes a package variable that other tests read.
func TestDefaultRetryPolicyIsACopy(t *testing.T) {
	saved := DefaultRetryPolicy
	t.Cleanup(func() { DefaultRetryPolicy = saved })
	want := RetryPolicy{MaxRetries: 3, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second}
	if DefaultRetryPolicy != want {
		t.Fatalf("DefaultRetryPolicy = %+v, want %+v", DefaultRetryPolicy, want)
	}

	DefaultRetryPolicy = RetryPolicy{MaxRetries: 99, MinWait: time.Hour, MaxWait: 2 * time.Hour}

	c, err := NewClient("k", "s")
	if err != nil {
		t.Fatal(err)
	}
	if c.retry != want || c.rc.RetryMax != want.MaxRetries || c.rc.RetryWaitMin != want.MinWait || c.rc.RetryWaitMax != want.MaxWait {
		t.Errorf("NewClient's policy = %+v (rc %d %s %s) after DefaultRetryPolicy was changed, want %+v",
			c.retry, c.rc.RetryMax, c.rc.RetryWaitMin, c.rc.RetryWaitMax, want)
	}

	c, err = NewClient("k", "s", WithRetryPolicy(RetryPolicy{MaxRetries: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if w := (RetryPolicy{MaxRetries: 1, MinWait: want.MinWait, MaxWait: want.MaxWait}); c.retry != w {
		t.Errorf("WithRetryPolicy filled in %+v after DefaultRetryPolicy was changed, want %+v", c.retry, w)
	}
}
