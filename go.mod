module github.com/seed682fd871/hlrlookup

go 1.25.0

require (
	github.com/google/go-querystring v1.2.0
	github.com/hashicorp/go-cleanhttp v0.5.2
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/jarcoal/httpmock v1.4.2
	golang.org/x/term v0.45.0
)

require golang.org/x/sys v0.47.0
