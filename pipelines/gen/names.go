package gen

import "strings"

// Scripts of customer names, as recorded in truth_customers.csv.
const (
	ScriptLatin      = "latin"
	ScriptBengali    = "bengali"
	ScriptUrdu       = "urdu"
	ScriptLithuanian = "lithuanian"
)

// word is a name in its own script with an ASCII romanisation used for
// e-mail addresses and social handles.
type word struct{ text, rom string }

// nameSet holds first and last names by gender (0 female, 1 male).
type nameSet struct {
	first, last [2][]word
}

// place is a country with its cities, telephone prefix (followed by
// digits random digits) and address form.
type place struct {
	code   string
	cities []string
	phone  string
	digits int
	// street returns an address for house number n and street index k.
	street func(n, k int) string
	weight float64
}

func words(pairs ...string) []word {
	w := make([]word, len(pairs)/2)
	for i := range w {
		w[i] = word{pairs[2*i], pairs[2*i+1]}
	}
	return w
}

func ascii(s ...string) []word {
	w := make([]word, len(s))
	for i, v := range s {
		rom := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			if r >= 'a' && r <= 'z' {
				return r
			}
			return -1
		}, v)
		w[i] = word{v, rom}
	}
	return w
}

var bengaliLast = words("হোসেন", "hossain", "রহমান", "rahman", "আহমেদ", "ahmed", "ইসলাম", "islam",
	"চৌধুরী", "chowdhury", "খান", "khan", "উদ্দিন", "uddin", "সরকার", "sarkar", "দাস", "das", "বিশ্বাস", "biswas")

var urduLast = words("خان", "khan", "ملک", "malik", "شیخ", "sheikh", "چوہدری", "chaudhry",
	"قریشی", "qureshi", "بٹ", "butt", "اعوان", "awan", "رضا", "raza")

var latinLast = ascii("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Miller", "Davis", "Clarke",
	"Walker", "Wright", "Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Martin", "Bernard",
	"Dubois", "Moreau", "Garcia", "Lopez", "Martinez", "de Vries", "Jansen", "Murphy", "Kelly", "O'Brien", "Byrne")

var nameSets = map[string]nameSet{
	ScriptBengali: {
		first: [2][]word{
			words("নাসরিন", "nasrin", "ফারহানা", "farhana", "সুমাইয়া", "sumaiya", "রুমানা", "rumana",
				"শাহানা", "shahana", "নুসরাত", "nusrat", "তাসলিমা", "taslima", "মরিয়ম", "mariam"),
			words("আরিফ", "arif", "রহিম", "rahim", "করিম", "karim", "সাকিব", "sakib", "তানভীর", "tanvir",
				"মাহমুদ", "mahmud", "জাহিদ", "zahid", "রাকিব", "rakib", "ইমরান", "imran"),
		},
		last: [2][]word{bengaliLast, bengaliLast},
	},
	ScriptUrdu: {
		first: [2][]word{
			words("عائشہ", "ayesha", "فاطمہ", "fatima", "زینب", "zainab", "سارہ", "sara", "نادیہ", "nadia", "مریم", "maryam"),
			words("علی", "ali", "احمد", "ahmed", "عمران", "imran", "حسن", "hassan", "بلال", "bilal", "عثمان", "usman", "حمزہ", "hamza"),
		},
		last: [2][]word{urduLast, urduLast},
	},
	ScriptLithuanian: {
		first: [2][]word{
			words("Žydrūnė", "zydrune", "Rūta", "ruta", "Eglė", "egle", "Aušra", "ausra", "Gintarė", "gintare",
				"Jūratė", "jurate", "Dalia", "dalia", "Ieva", "ieva", "Agnė", "agne", "Rasa", "rasa"),
			words("Jonas", "jonas", "Mantas", "mantas", "Tomas", "tomas", "Darius", "darius", "Žygimantas", "zygimantas",
				"Vytautas", "vytautas", "Kęstutis", "kestutis", "Ąžuolas", "azuolas", "Mindaugas", "mindaugas", "Šarūnas", "sarunas"),
		},
		last: [2][]word{
			words("Šimkutė", "simkute", "Kazlauskienė", "kazlauskiene", "Petrauskaitė", "petrauskaite",
				"Jankauskienė", "jankauskiene", "Žukauskaitė", "zukauskaite", "Butkutė", "butkute",
				"Vasiliauskienė", "vasiliauskiene", "Čepulionytė", "cepulionyte"),
			words("Kazlauskas", "kazlauskas", "Petrauskas", "petrauskas", "Jankauskas", "jankauskas",
				"Žukauskas", "zukauskas", "Šimkus", "simkus", "Butkus", "butkus", "Stankevičius", "stankevicius",
				"Grybauskas", "grybauskas", "Čepulis", "cepulis"),
		},
	},
	ScriptLatin: {
		first: [2][]word{
			ascii("Emma", "Sophie", "Anna", "Marie", "Lea", "Sofia", "Sanne", "Olivia", "Ava", "Grace",
				"Mia", "Clara", "Chloe", "Aoife", "Isabella", "Charlotte"),
			ascii("Oliver", "James", "Lukas", "Thomas", "Hugo", "Pablo", "Daan", "Liam", "Noah", "Jack",
				"Ben", "Jonas", "Lucas", "Sean", "Henry", "Felix"),
		},
		last: [2][]word{latinLast, latinLast},
	},
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }

func streets(names []string, numberFirst bool) func(n, k int) string {
	return func(n, k int) string {
		s := names[k%len(names)]
		if numberFirst {
			return itoa(n) + " " + s
		}
		return s + " " + itoa(n)
	}
}

var (
	placeBD = place{code: "BD", cities: []string{"Dhaka", "Chattogram", "Khulna", "Rajshahi", "Sylhet"},
		phone: "+8801", digits: 9, street: func(n, k int) string { return "House " + itoa(n) + ", Road " + itoa(k+1) }}
	placePK = place{code: "PK", cities: []string{"Karachi", "Lahore", "Islamabad", "Faisalabad", "Rawalpindi", "Multan"},
		phone: "+923", digits: 9, street: func(n, k int) string { return "House " + itoa(n) + ", Street " + itoa(k+1) }}
	placeLT = place{code: "LT", cities: []string{"Vilnius", "Kaunas", "Klaipėda", "Šiauliai", "Panevėžys", "Alytus"},
		phone: "+3706", digits: 7, street: streets([]string{"Gedimino pr.", "Kęstučio g.", "Ąžuolyno g.", "Tiltų g.",
			"Laisvės al.", "Įmonių g.", "Žalgirio g.", "Šv. Ignoto g."}, false)}
	latinPlaces = []place{
		{code: "US", weight: 0.30, cities: []string{"New York", "Chicago", "Austin", "Seattle", "Denver", "Boston"},
			phone: "+1", digits: 10, street: streets([]string{"Main St", "Oak Ave", "Maple Dr", "Park Blvd", "2nd St"}, true)},
		{code: "GB", weight: 0.25, cities: []string{"London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol"},
			phone: "+447", digits: 9, street: streets([]string{"High Street", "Station Road", "Church Lane", "Victoria Road"}, true)},
		{code: "DE", weight: 0.15, cities: []string{"Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt", "Leipzig"},
			phone: "+4915", digits: 9, street: streets([]string{"Hauptstrasse", "Schulstrasse", "Gartenweg", "Bahnhofstrasse"}, false)},
		{code: "FR", weight: 0.10, cities: []string{"Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Nantes"},
			phone: "+336", digits: 8, street: streets([]string{"rue de la Paix", "avenue Victor Hugo", "rue Pasteur"}, true)},
		{code: "NL", weight: 0.07, cities: []string{"Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"},
			phone: "+316", digits: 8, street: streets([]string{"Kerkstraat", "Dorpsstraat", "Molenweg"}, false)},
		{code: "ES", weight: 0.08, cities: []string{"Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao"},
			phone: "+346", digits: 8, street: streets([]string{"Calle Mayor", "Calle Real", "Avenida de la Paz"}, false)},
		{code: "IE", weight: 0.05, cities: []string{"Dublin", "Cork", "Galway", "Limerick"},
			phone: "+3538", digits: 8, street: streets([]string{"Main Street", "Church Street", "Bridge Street"}, true)},
	}
	latinCum = func() []float64 {
		w := make([]float64, len(latinPlaces))
		for i, p := range latinPlaces {
			w[i] = p.weight
		}
		return cumulative(w)
	}()
	emailDomains = []string{"example.com", "example.org", "example.net", "mail.example.com"}
)

// scriptPlace returns the country of a customer whose name is in script.
func scriptPlace(s *stream, script string) *place {
	switch script {
	case ScriptBengali:
		return &placeBD
	case ScriptUrdu:
		return &placePK
	case ScriptLithuanian:
		return &placeLT
	}
	return &latinPlaces[s.pick(latinCum)]
}
