package benchdata

// network is one mobile network of a country, named as an HLR reports it:
// the operator's legal name, often with commas ("T-Mobile USA, Inc."),
// accents ("Telefónica Móviles España, S.A.U."), an ampersand or a slash.
type network struct {
	name, mccmnc string
	sms, mms     string // e-mail gateways (US carriers only)
}

// country is a calling code with its networks and the areas its numbers
// are reported in.
type country struct {
	prefix, name, iso3 string
	weight             int // share of the rows, in percent
	mobile             string
	networks           []network
	areas              []string
}

// countries are the countries of the generated numbers; their weights add
// up to 100.
var countries = []country{
	{"1", "United States", "USA", 24, "", []network{
		{"T-Mobile USA, Inc.", "310260", "tmomail.net", "tmomail.net"},
		{"Cellco Partnership d/b/a Verizon Wireless", "311480", "vtext.com", "vzwpix.com"},
		{"AT&T Mobility, LLC", "310410", "txt.att.net", "mms.att.net"},
		{"United States Cellular Corp.", "311580", "email.uscc.net", "mms.uscc.net"},
	}, []string{"New York", "California", "Texas", "Florida", "Illinois", "Washington, D.C.", "Georgia", "Ohio"}},
	{"44", "United Kingdom", "GBR", 18, "77", []network{
		{"EE Limited (T-Mobile)", "23430", "", ""},
		{"Vodafone Limited", "23415", "", ""},
		{"Telefónica UK Limited (O2)", "23410", "", ""},
		{"Hutchison 3G UK Ltd (Three)", "23420", "", ""},
	}, []string{"United Kingdom"}},
	{"49", "Germany", "DEU", 12, "15", []network{
		{"Telekom Deutschland GmbH", "26201", "", ""},
		{"Vodafone GmbH", "26202", "", ""},
		{"Telefónica Germany GmbH & Co. OHG", "26203", "", ""},
	}, []string{"Germany"}},
	{"33", "France", "FRA", 10, "6", []network{
		{"Orange S.A.", "20801", "", ""},
		{"Société Française du Radiotéléphone (SFR)", "20810", "", ""},
		{"Free Mobile, S.A.S.", "20815", "", ""},
		{"Bouygues Telecom, S.A.", "20820", "", ""},
	}, []string{"France"}},
	{"34", "Spain", "ESP", 10, "6", []network{
		{"Vodafone España, S.A.U.", "21401", "", ""},
		{"Orange Espagne, S.A.U.", "21403", "", ""},
		{"Telefónica Móviles España, S.A.U.", "21407", "", ""},
		{"Xfera Móviles, S.A.U. (Yoigo)", "21404", "", ""},
	}, []string{"Spain"}},
	{"39", "Italy", "ITA", 8, "34", []network{
		{"Telecom Italia S.p.A. (TIM)", "22201", "", ""},
		{"Vodafone Italia S.p.A.", "22210", "", ""},
		{"Wind Tre S.p.A.", "22288", "", ""},
		{"Iliad Italia S.p.A.", "22250", "", ""},
	}, []string{"Italy"}},
	{"31", "Netherlands", "NLD", 6, "6", []network{
		{"KPN B.V.", "20408", "", ""},
		{"Vodafone Libertel B.V.", "20404", "", ""},
		{"T-Mobile Netherlands B.V. (Odido)", "20416", "", ""},
	}, []string{"Netherlands"}},
	{"52", "Mexico", "MEX", 6, "55", []network{
		{"Radiomóvil Dipsa, S.A. de C.V. (Telcel)", "334020", "", ""},
		{"AT&T Comunicaciones Digitales, S. de R.L. de C.V.", "334050", "", ""},
		{"Pegaso PCS, S.A. de C.V. (Movistar)", "334030", "", ""},
	}, []string{"Ciudad de México", "Jalisco", "Nuevo León"}},
	{"55", "Brazil", "BRA", 6, "119", []network{
		{"Telefônica Brasil S.A. (Vivo)", "72406", "", ""},
		{"Claro S.A.", "72405", "", ""},
		{"TIM S.A.", "72402", "", ""},
	}, []string{"São Paulo", "Rio de Janeiro", "Minas Gerais"}},
}

// countryByPercent maps a number 0..99 to its country, by the weights.
var countryByPercent = func() (t [100]*country) {
	i := 0
	for c := range countries {
		for range countries[c].weight {
			t[i] = &countries[c]
			i++
		}
	}
	if i != 100 {
		panic("benchdata: country weights do not add up to 100")
	}
	return t
}()

// person is a customer's name: as written, and folded to ASCII for an
// e-mail address.
type person struct{ name, ascii string }

var firstNames = []person{
	{"James", "james"}, {"Mary", "mary"}, {"Robert", "robert"}, {"Patricia", "patricia"},
	{"José", "jose"}, {"María", "maria"}, {"François", "francois"}, {"Zoë", "zoe"},
	{"Jürgen", "juergen"}, {"Giulia", "giulia"}, {"Ana Luísa", "ana.luisa"}, {"Mohammed", "mohammed"},
	{"Chloé", "chloe"}, {"Liam", "liam"}, {"Olivia", "olivia"}, {"Sven", "sven"},
}

var lastNames = []person{
	{"Smith", "smith"}, {"Johnson", "johnson"}, {"García", "garcia"}, {"Müller", "mueller"},
	{"Dubois", "dubois"}, {"Rossi", "rossi"}, {"van der Berg", "vanderberg"}, {"Núñez", "nunez"},
	{"O'Brien", "obrien"}, {"Williams", "williams"}, {"Fernández López", "fernandez.lopez"}, {"Schmidt", "schmidt"},
	{"da Silva", "dasilva"}, {"Martin", "martin"}, {"Jones", "jones"}, {"Kowalski", "kowalski"},
}

var nicknames = []string{"Bob", "Jim", "Pat", "Pepe", "Lu"}

var mailDomains = []string{"gmail.com", "outlook.com", "yahoo.com", "example.co.uk", "web.de", "orange.fr"}

var segments = []string{"retail", "retail", "retail", "enterprise", "smb", "Wholesale, EU", "VIP", "churn-risk"}

// notes are the free text of the uploaded file's last column, mostly
// empty.
var notes = []string{
	"", "", "", "", "", "", "", "", "", "", "", "",
	"prefers SMS", "call after 6pm, not at weekends", "do not call", `asked for "no marketing" in 2025`,
	"moved, new address on file", "key account", "VIP since 2019; renewal due", "",
}
