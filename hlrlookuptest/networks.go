package hlrlookuptest

import "strings"

// network is one row of the fake's small table of real-looking networks.
type network struct {
	name, mccmnc, area string
	smsDomain          string // for sms_email / mms_email (US carriers only)
	mmsDomain          string
}

// country is a calling-code prefix with its networks.
type country struct {
	prefix, name, iso3 string
	networks           []network
}

// countries is the fake's network table, chosen by the number's calling code.
var countries = []country{
	{"44", "United Kingdom", "GBR", []network{
		{name: "EE Limited (T-Mobile)", mccmnc: "23430", area: "United Kingdom"},
		{name: "Vodafone UK", mccmnc: "23415", area: "United Kingdom"},
		{name: "O2 (UK)", mccmnc: "23410", area: "United Kingdom"},
		{name: "Three UK", mccmnc: "23420", area: "United Kingdom"},
	}},
	{"1", "United States", "USA", []network{
		{name: "AT&T Mobility", mccmnc: "310410", area: "New York", smsDomain: "txt.att.net", mmsDomain: "mms.att.net"},
		{name: "Verizon Wireless", mccmnc: "311480", area: "California", smsDomain: "vtext.com", mmsDomain: "vzwpix.com"},
		{name: "T-Mobile USA", mccmnc: "310260", area: "Texas", smsDomain: "tmomail.net", mmsDomain: "tmomail.net"},
	}},
	{"49", "Germany", "DEU", []network{
		{name: "Telekom Deutschland", mccmnc: "26201", area: "Germany"},
		{name: "Vodafone Germany", mccmnc: "26202", area: "Germany"},
		{name: "Telefonica Germany (O2)", mccmnc: "26203", area: "Germany"},
	}},
	{"33", "France", "FRA", []network{
		{name: "Orange France", mccmnc: "20801", area: "France"},
		{name: "SFR", mccmnc: "20810", area: "France"},
		{name: "Free Mobile", mccmnc: "20815", area: "France"},
		{name: "Bouygues Telecom", mccmnc: "20820", area: "France"},
	}},
	{"34", "Spain", "ESP", []network{
		{name: "Vodafone Spain", mccmnc: "21401", area: "Spain"},
		{name: "Orange Spain", mccmnc: "21403", area: "Spain"},
		{name: "Movistar", mccmnc: "21407", area: "Spain"},
	}},
	{"39", "Italy", "ITA", []network{
		{name: "TIM", mccmnc: "22201", area: "Italy"},
		{name: "Vodafone Italy", mccmnc: "22210", area: "Italy"},
		{name: "WindTre", mccmnc: "22288", area: "Italy"},
	}},
	{"31", "Netherlands", "NLD", []network{
		{name: "Vodafone Netherlands", mccmnc: "20404", area: "Netherlands"},
		{name: "KPN Mobile", mccmnc: "20408", area: "Netherlands"},
		{name: "Odido (T-Mobile)", mccmnc: "20416", area: "Netherlands"},
	}},
}

// fallbackCountry is used for numbers of any other calling code: the ITU
// test network 001-01.
var fallbackCountry = country{"", "Unknown", "", []network{
	{name: "Test Network", mccmnc: "00101", area: ""},
}}

// countryOf finds the country of an international number's digits.
func countryOf(digits string) country {
	for _, c := range countries {
		if strings.HasPrefix(digits, c.prefix) {
			return c
		}
	}
	return fallbackCountry
}

// countryByISO3 finds a country of the table by its alpha-3 code.
func countryByISO3(iso3 string) (country, bool) {
	for _, c := range countries {
		if c.iso3 == iso3 {
			return c, true
		}
	}
	return country{}, false
}
