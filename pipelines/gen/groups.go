package gen

import (
	"errors"
	"math"
)

// BGNBD holds the parameters of the BG/NBD purchase process of Fader,
// Hardie and Lee (2005), "Counting your customers the easy way", with time
// measured in days: lambda ~ Gamma(shape R, rate Alpha), p ~ Beta(A, B).
// They are lifetimes' BetaGeoFitter r, alpha, a, b.
type BGNBD struct {
	R     float64 `json:"r"`     // > 0
	Alpha float64 `json:"alpha"` // > 0, days
	A     float64 `json:"a"`     // > 0
	B     float64 `json:"b"`     // > 0
}

// GammaGamma holds the spend parameters of Fader, Hardie and Lee (2005),
// "RFM and CLV: using iso-value curves": nu ~ Gamma(shape Q, rate Gamma)
// per customer, order value ~ Gamma(shape P, rate nu). lifetimes'
// GammaGammaFitter calls them p, q, v. The mean order value of a group is
// P*Gamma/(Q-1) when Q > 1.
type GammaGamma struct {
	P     float64 `json:"p"`     // > 0
	Q     float64 `json:"q"`     // > 0
	Gamma float64 `json:"gamma"` // > 0
}

// InteractionRates are yearly Poisson rates of each interaction type
// while a customer is alive. EmailOpen and EmailClick apply only to
// customers with email_opt_in.
type InteractionRates struct {
	WebVisit      float64 `json:"web_visit"`
	EmailOpen     float64 `json:"email_open"`
	EmailClick    float64 `json:"email_click"`
	SupportTicket float64 `json:"support_ticket"`
	Complaint     float64 `json:"complaint"`
	SocialMention float64 `json:"social_mention"`
	NPS           float64 `json:"nps"`
}

// Group is one planted behavioural segment. Every customer belongs to
// exactly one group, drawn with probability Share; its index is the label
// in truth_customers.csv.
type Group struct {
	Name       string     `json:"name"`
	Share      float64    `json:"share"`
	BGNBD      BGNBD      `json:"bgnbd"`
	GammaGamma GammaGamma `json:"gamma_gamma"`
	// LinesMean is the mean number of regular lines per order: the count
	// is 1 + Poisson(LinesMean-1), truncated at MaxLines.
	LinesMean float64 `json:"lines_mean"`
	// OrderChannels weights the order channels web, store, app, phone.
	OrderChannels [4]float64 `json:"order_channels"`
	// Categories weights the product categories (see Truth.Categories).
	Categories [numCategories]float64 `json:"categories"`
	// Acquisition weights the acquisition channels organic, paid_search,
	// social, referral, partner, email.
	Acquisition [6]float64       `json:"acquisition"`
	Rates       InteractionRates `json:"interaction_rates_per_year"`
	// NPSQ is the success probability of the NPS score, which is
	// Binomial(10, NPSQ) outside the pre-dropout window.
	NPSQ           float64 `json:"nps_q"`
	EmailOptIn     float64 `json:"email_opt_in"`
	SMSOptIn       float64 `json:"sms_opt_in"`
	SubscribeShare float64 `json:"subscribe_share"`
}

// MaxLines caps the regular lines of one order.
const MaxLines = 8

// DefaultGroups returns the four planted groups. With Years = 3 and
// uniform sign-ups they average about 7.0 orders and 19-20 order lines
// per customer, so 1M customers give about 20M order lines (see doc.go).
func DefaultGroups() []Group {
	return []Group{
		{
			Name: "loyal", Share: 0.35,
			BGNBD:      BGNBD{R: 2, Alpha: 50, A: 1.5, B: 20},
			GammaGamma: GammaGamma{P: 6, Q: 4, Gamma: 40},
			LinesMean:  2.8, OrderChannels: [4]float64{0.2, 0.6, 0.15, 0.05},
			Categories:  [numCategories]float64{3, 3, 1, 1, 2, 1, 1, 1, 0.5, 0.5},
			Acquisition: [6]float64{4, 1, 1, 3, 1, 1},
			Rates:       InteractionRates{WebVisit: 5, EmailOpen: 6, EmailClick: 2, SupportTicket: 0.5, Complaint: 0.1, SocialMention: 0.3, NPS: 1},
			NPSQ:        0.85, EmailOptIn: 0.7, SMSOptIn: 0.4, SubscribeShare: 0.3,
		},
		{
			Name: "occasional", Share: 0.35,
			BGNBD:      BGNBD{R: 1.2, Alpha: 120, A: 2, B: 8},
			GammaGamma: GammaGamma{P: 4, Q: 5, Gamma: 40},
			LinesMean:  1.8, OrderChannels: [4]float64{0.7, 0.1, 0.15, 0.05},
			Categories:  [numCategories]float64{1, 1, 3, 3, 1, 1, 2, 1, 1, 1},
			Acquisition: [6]float64{2, 4, 3, 1, 0.5, 1},
			Rates:       InteractionRates{WebVisit: 8, EmailOpen: 3, EmailClick: 0.3, SupportTicket: 0.3, Complaint: 0.05, SocialMention: 0.2, NPS: 0.5},
			NPSQ:        0.65, EmailOptIn: 0.4, SMSOptIn: 0.1, SubscribeShare: 0.05,
		},
		{
			Name: "big_spender", Share: 0.15,
			BGNBD:      BGNBD{R: 1.5, Alpha: 60, A: 1.5, B: 12},
			GammaGamma: GammaGamma{P: 8, Q: 6, Gamma: 150},
			LinesMean:  3.5, OrderChannels: [4]float64{0.3, 0.2, 0.45, 0.05},
			Categories:  [numCategories]float64{1, 1, 1, 1, 1, 3, 1, 1, 3, 3},
			Acquisition: [6]float64{1, 2, 1, 2, 3, 1},
			Rates:       InteractionRates{WebVisit: 10, EmailOpen: 5, EmailClick: 1.5, SupportTicket: 0.8, Complaint: 0.1, SocialMention: 1, NPS: 1},
			NPSQ:        0.8, EmailOptIn: 0.6, SMSOptIn: 0.5, SubscribeShare: 0.5,
		},
		{
			Name: "at_risk", Share: 0.15,
			BGNBD:      BGNBD{R: 2, Alpha: 40, A: 3, B: 6},
			GammaGamma: GammaGamma{P: 5, Q: 4, Gamma: 30},
			LinesMean:  2.2, OrderChannels: [4]float64{0.2, 0.2, 0.1, 0.5},
			Categories:  [numCategories]float64{1, 2, 1, 1, 3, 1, 3, 3, 1, 1},
			Acquisition: [6]float64{1, 3, 2, 0.5, 0.5, 3},
			Rates:       InteractionRates{WebVisit: 4, EmailOpen: 2, EmailClick: 0.2, SupportTicket: 3, Complaint: 1, SocialMention: 0.5, NPS: 1.5},
			NPSQ:        0.45, EmailOptIn: 0.3, SMSOptIn: 0.3, SubscribeShare: 0.15,
		},
	}
}

// DefaultChannelEffects returns the planted effects of the acquisition
// channel on the purchase rate (log multipliers of lambda): customers
// from referrals and partners buy more often, those from paid search and
// social less, against organic and email (0).
func DefaultChannelEffects() map[string]float64 {
	return map[string]float64{"organic": 0, "paid_search": -0.3, "social": -0.2, "referral": 0.3, "partner": 0.4, "email": 0}
}

func positive(v float64) bool { return v > 0 && !math.IsInf(v, 0) }

func (g Group) validate() error {
	switch {
	case !positive(g.Share):
		return errors.New("Share must be positive")
	case !positive(g.BGNBD.R) || !positive(g.BGNBD.Alpha) || !positive(g.BGNBD.A) || !positive(g.BGNBD.B):
		return errors.New("BGNBD parameters must be positive")
	case !positive(g.GammaGamma.P) || !positive(g.GammaGamma.Q) || !positive(g.GammaGamma.Gamma):
		return errors.New("GammaGamma parameters must be positive")
	case !(g.LinesMean >= 1):
		return errors.New("LinesMean must be >= 1")
	case !(g.NPSQ >= 0 && g.NPSQ <= 1):
		return errors.New("NPSQ must be in [0,1]")
	}
	if !positiveSum(g.OrderChannels[:]) || !positiveSum(g.Categories[:]) || !positiveSum(g.Acquisition[:]) {
		return errors.New("OrderChannels, Categories and Acquisition need non-negative weights with a positive sum")
	}
	return nil
}

func positiveSum(w []float64) bool {
	s := 0.0
	for _, v := range w {
		if !(v >= 0) {
			return false
		}
		s += v
	}
	return s > 0
}
