package gen

// This file holds the fixed parameters of the processes that Options does
// not expose. All of them are copied into truth.json.

const (
	returnShare     = 0.04 // a repeat order returns one line of the previous order
	zeroLineShare   = 0.03 // an order gets a free (zero-revenue) line
	escalationWeeks = 6.0
	escalationMult  = 4.0
	npsLapseShift   = 0.3
	leadLinkShare   = 0.8
	oppLeadShare    = 0.5
	oppCustShare    = 0.05
	amountLogSD     = 1.0
	subStartDays    = 30 // a subscription starts Uniform(0, 30) days after sign-up
)

// Order channels.
var orderChannels = [4]string{"web", "store", "app", "phone"}

// Acquisition channels and the mean of their Gamma(2, .) cost.
var (
	acqChannels = [6]string{"organic", "paid_search", "social", "referral", "partner", "email"}
	acqCostMean = [6]float64{2, 35, 25, 15, 40, 8}
)

const numPartners = 8

// Interaction types; the index is the type code.
const (
	itWebVisit = iota
	itEmailOpen
	itEmailClick
	itSupportTicket
	itComplaint
	itSocialMention
	itNPS
	numInteractionTypes
)

var interactionTypes = [numInteractionTypes]string{
	"web_visit", "email_open", "email_click", "support_ticket", "complaint", "social_mention", "nps",
}

// Interaction channels.
const (
	chEmail = iota
	chPhone
	chChat
	chWeb
	chStore
	chSocial
)

var interactionChannels = [6]string{"email", "phone", "chat", "web", "store", "social"}

// interactionMeanCost is the mean cost by type; tickets and complaints are
// Gamma(2, 2/mean), the others constant.
var interactionMeanCost = [numInteractionTypes]float64{0, 0.01, 0.01, 8, 25, 0, 0.5}

// Leads.
var (
	leadSources     = []string{"organic", "paid_search", "social", "referral", "event", "partner"}
	leadSourceW     = []float64{0.3, 0.25, 0.15, 0.1, 0.1, 0.1}
	leadSourceCoef  = []float64{0, -0.2, -0.4, 0.7, 0.3, 0.5}
	companySizes    = []string{"1-10", "11-50", "51-200", "201-1000", "1000+"}
	companySizeW    = []float64{0.35, 0.3, 0.18, 0.12, 0.05}
	companySizeCoef = []float64{0, 0.2, 0.4, 0.3, -0.1}
	industries      = []string{"retail", "manufacturing", "software", "finance", "healthcare", "education", "logistics", "hospitality"}
	leadCountries   = []string{"US", "GB", "DE", "FR", "NL", "ES", "IE", "LT", "BD", "PK"}
)

const (
	leadIntercept   = -4.0
	leadPages       = 0.12
	leadVisits      = 0.25
	leadLogTime     = 0.35
	leadFree        = -0.8
	leadPagesMean   = 4.0 // pages_viewed = 1 + Poisson(4)
	leadVisitsMean  = 1.2 // visits = 1 + Poisson(1.2)
	leadTimeLogMean = 5.0 // time_on_site = ceil(LogNormal(5, 1)) seconds
	leadTimeLogSD   = 1.0
	leadFreeShare   = 0.35
	leadDelayMean   = 14.0 // days from lead to conversion: Gamma(2, 2/14), capped at 89
	leadDelayMax    = 89.0
)

// Opportunities.
var (
	stages        = [5]string{"prospecting", "qualification", "proposal", "negotiation", "closed"}
	stageMeanDays = [4]float64{7, 10, 14, 10}
	oppSources    = append(append([]string{}, leadSources...), "upsell")
	oppSourceCoef = []float64{0, -0.3, -0.5, 0.6, 0.2, 0.4, 0.9}
	owners        = []string{"OW01", "OW02", "OW03", "OW04", "OW05", "OW06", "OW07", "OW08"}
	ownerCoef     = []float64{0.5, 0.3, 0.1, 0, 0, -0.1, -0.3, -0.5}
)

const (
	winIntercept     = -0.4
	amountLogLead    = 8.5 // ln 4915
	amountLogUpsell  = 7.6 // ln 2000
	sourceUpsell     = 6   // index of "upsell" in oppSources
	sourcePartnerIdx = 5   // index of "partner" in leadSources
)

// plans are the subscription plans.
var plans = []Plan{
	{Name: "basic", Price: 9.99, Weight: 0.5, Alpha: 1.2, Beta: 8},
	{Name: "plus", Price: 19.99, Weight: 0.35, Alpha: 1, Beta: 12},
	{Name: "pro", Price: 49.99, Weight: 0.15, Alpha: 0.8, Beta: 14},
}

// Output files, in the order of the file index constants.
const (
	fCustomers = iota
	fOrders
	fInteractions
	fLeads
	fOpportunities
	fSubscriptions
	fTruthCustomers
	numFiles
)

var fileNames = [numFiles]string{
	"customers.csv", "orders.csv", "interactions.csv", "leads.csv",
	"opportunities.csv", "subscriptions.csv", "truth_customers.csv",
}

var headers = [numFiles]string{
	"customer_id,name,email,phone,address,city,country,signup_date,acquisition_channel,acquisition_cost,birth_date,partner_id,email_opt_in,sms_opt_in,social_handle",
	"order_id,line_no,customer_id,order_ts,product_id,category,quantity,revenue,cost,channel,sales_rep",
	"interaction_id,customer_id,ts,channel,type,value,cost",
	"lead_id,created_ts,source,country,industry,company_size,pages_viewed,visits,time_on_site,free_email,converted,converted_ts,customer_id",
	"opportunity_id,customer_id,lead_id,stage,stage_ts,amount,close_ts,outcome,owner,source,partner_id",
	"subscription_id,customer_id,plan,start_date,end_date,recurring_revenue",
	"customer_id,group,script,lambda,p,nu,expected_order_value,signup_ts,T,frequency,recency,monetary_value,alive,dropout_ts,orders,order_lines,interactions,plan,theta",
}

// Dirty kinds, see doc.go.
const (
	dkMalformedEmail = iota
	dkDuplicateID
	dkBadDate
	dkBadRevenueText
	dkEmptyCustomerID
	dkUnknownCustomer
	dkTSAfterAsOf
	dkRevenueNaN
	dkRevenueInf
	numDirtyKinds
)

var dirtyKinds = [numDirtyKinds]string{
	"malformed_email", "duplicate_customer_id", "unparseable_date", "unparseable_revenue",
	"empty_customer_id", "unknown_customer", "ts_after_as_of", "revenue_nan", "revenue_inf",
}

// Dirty kinds planted per table.
var (
	customerDirty    = []int{dkMalformedEmail, dkDuplicateID, dkBadDate}
	orderDirty       = []int{dkBadRevenueText, dkEmptyCustomerID, dkUnknownCustomer, dkTSAfterAsOf, dkRevenueNaN, dkRevenueInf, dkBadDate}
	interactionDirty = []int{dkEmptyCustomerID, dkUnknownCustomer, dkBadDate}
)

// Text used by dirty rows.
var (
	badRevenueTexts = []string{"12,3x", "abc", "1.2.3", "€15"}
	badDates        = []string{"2024-02-30", "31/12/2023", "yesterday", "2023-13-01"}
	badTimestamps   = []string{"2024-02-30 10:11:12", "31/12/2023 10:00", "yesterday", "2023-13-01 25:61:00"}
)
