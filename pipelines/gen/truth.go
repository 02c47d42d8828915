package gen

// Truth is everything Write planted: the options after defaults, every
// generative parameter, the measured pair lifts, and exact row and dirty
// row counts. Write stores it as truth.json; per-customer truths are in
// truth_customers.csv.
type Truth struct {
	Seed             uint64  `json:"seed"`
	Customers        int     `json:"customers"`
	Start            string  `json:"start"` // AsOf minus Years, "2006-01-02 15:04:05" UTC
	AsOf             string  `json:"as_of"`
	Years            float64 `json:"years"`
	DirtyShare       float64 `json:"dirty_share"`
	NonLatinShare    float64 `json:"non_latin_share"`
	LeadsPerCustomer float64 `json:"leads_per_customer"`

	Groups      []Group `json:"groups"`
	GroupCounts []int64 `json:"group_counts"` // customers per group, by index
	// Scripts counts customers by the script of their name.
	Scripts map[string]int64 `json:"scripts"`

	Purchases     PurchaseTruth     `json:"purchases"`
	Covariates    CovariateTruth    `json:"covariates"`
	Categories    []string          `json:"categories"`
	Products      []Product         `json:"products"`
	Pairs         []Pair            `json:"pairs"`
	Interactions  InteractionTruth  `json:"interactions"`
	Leads         LeadTruth         `json:"leads"`
	Opportunities OpportunityTruth  `json:"opportunities"`
	Subscriptions SubscriptionTruth `json:"subscriptions"`

	// Rows counts the data rows (header excluded, dirty rows included) of
	// every file written, keyed by file name.
	Rows map[string]int64 `json:"rows"`
	// Dirty counts planted dirty rows by file and kind (see doc.go).
	Dirty map[string]map[string]int64 `json:"dirty"`
	// Rejects counts, by file, the rows a strict ingest must reject: all
	// dirty kinds except malformed_email, which is a flag.
	Rejects map[string]int64 `json:"rejects"`
}

// PurchaseTruth describes the order process shared by all groups.
type PurchaseTruth struct {
	TimeUnit       string  `json:"time_unit"` // "days"
	MaxLines       int     `json:"max_lines"`
	ReturnShare    float64 `json:"return_share"`     // per repeat order
	ZeroLineShare  float64 `json:"zero_line_share"`  // per order
	PairProb       float64 `json:"pair_prob"`        // see Pair
	Orders         int64   `json:"orders"`           // clean orders
	RegularLines   int64   `json:"regular_lines"`    // clean lines with positive revenue
	ReturnLines    int64   `json:"return_lines"`     // clean lines with negative revenue
	ZeroValueLines int64   `json:"zero_value_lines"` // clean lines with zero revenue
}

// CovariateTruth holds the planted covariate effects. PurchaseRate is
// the effect of acquisition_channel on the purchase rate: customer i's
// lambda is Gamma(r, alpha) of its group times exp(PurchaseRate[channel])
// (BG/NBD with covariates, alpha_i = alpha exp(-effect); btyd.BGNBDCov's
// Purchase coefficients are differences of these effects against the
// reference channel). Dropout has no planted effect.
type CovariateTruth struct {
	PurchaseRate map[string]float64 `json:"purchase_rate_by_acquisition_channel"`
}

// InteractionTruth describes the interaction process.
type InteractionTruth struct {
	// EscalationWeeks is the window before a dropout in which support
	// tickets and complaints arrive EscalationMultiplier times faster and
	// the NPS success probability is lowered by NPSLapseShift.
	EscalationWeeks      float64            `json:"escalation_weeks"`
	EscalationMultiplier float64            `json:"escalation_multiplier"`
	NPSLapseShift        float64            `json:"nps_lapse_shift"`
	MeanCost             map[string]float64 `json:"mean_cost"` // by type
	Count                map[string]int64   `json:"count"`     // clean rows by type
}

// LeadTruth is the lead conversion model: converted ~ Bernoulli(
// sigmoid(Intercept + PagesViewed*pages_viewed + Visits*visits +
// LogTimeOnSite*ln(time_on_site) + FreeEmail*free_email + Source[source] +
// CompanySize[company_size])), with the first level of each dummy the
// baseline (coefficient 0).
type LeadTruth struct {
	Count         int64              `json:"count"`
	Converted     int64              `json:"converted"`
	Linked        int64              `json:"linked"` // converted leads with a customer_id
	LinkShare     float64            `json:"link_share"`
	Intercept     float64            `json:"intercept"`
	PagesViewed   float64            `json:"pages_viewed"`
	Visits        float64            `json:"visits"`
	LogTimeOnSite float64            `json:"log_time_on_site"`
	FreeEmail     float64            `json:"free_email"`
	Source        map[string]float64 `json:"source"`
	CompanySize   map[string]float64 `json:"company_size"`
	Features      map[string]string  `json:"features"` // distributions, in words
}

// OpportunityTruth is the opportunity model: the true outcome is won with
// probability sigmoid(WinIntercept + WinSource[source] + WinOwner[owner]);
// lost ones drop out after a uniformly drawn open stage. Each stage lasts
// Gamma(2, mean StageMeanDays) days.
type OpportunityTruth struct {
	Count         int64              `json:"count"`
	Won           int64              `json:"won"`  // closed won by AsOf
	Lost          int64              `json:"lost"` // closed lost by AsOf
	Open          int64              `json:"open"`
	LeadShare     float64            `json:"lead_share"`     // of converted leads
	CustomerShare float64            `json:"customer_share"` // of customers (source upsell)
	WinIntercept  float64            `json:"win_intercept"`
	WinSource     map[string]float64 `json:"win_source"`
	WinOwner      map[string]float64 `json:"win_owner"`
	StageMeanDays map[string]float64 `json:"stage_mean_days"`
	AmountLogMean map[string]float64 `json:"amount_log_mean"` // by lead or upsell
	AmountLogSD   float64            `json:"amount_log_sd"`
}

// Plan is a subscription plan with its shifted-beta-geometric churn:
// theta ~ Beta(Alpha, Beta) per subscriber, monthly churn probability theta
// (Fader and Hardie 2007, "How to project customer retention").
type Plan struct {
	Name   string  `json:"name"`
	Price  float64 `json:"price"`
	Weight float64 `json:"weight"`
	Alpha  float64 `json:"alpha"`
	Beta   float64 `json:"beta"`
}

// SubscriptionTruth describes the subscription process.
type SubscriptionTruth struct {
	Plans  []Plan           `json:"plans"`
	Count  int64            `json:"count"`
	Active int64            `json:"active"`
	ByPlan map[string]int64 `json:"by_plan"`
}
