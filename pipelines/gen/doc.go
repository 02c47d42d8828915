// Package gen writes a synthetic CRM data set whose generative processes
// are known exactly, with their true parameters beside the data. It is
// the benchmark data of crmbatch and the ground truth of model tests.
//
// Write(dir, Options) writes customers.csv, orders.csv, interactions.csv,
// leads.csv, opportunities.csv, subscriptions.csv, truth_customers.csv and
// truth.json. CSV files have a header row, ',' delimiters, '.' decimals,
// dates as 2006-01-02 and timestamps as 2006-01-02 15:04:05 in UTC,
// booleans true/false, RFC 4180 quoting where needed (addresses such as
// "House 12, Road 5" and some dirty values), UTF-8 and LF line ends.
// Money is written with two decimals. Every entity draws from its own PCG
// stream seeded from (Seed, kind, index), so output is byte-identical for
// equal Options whatever the number of workers.
//
// # Time window and customers
//
// The window is [AsOf - Years*365.25 days, AsOf]. Customer i (id C<i+1>)
// signs up at an instant uniform over the window; the sign-up is also its
// first order. It belongs to one of the Groups (default four: loyal,
// occasional, big_spender, at_risk) with probability Share; the group
// index is the label in truth_customers.csv (for adjusted Rand index
// scoring). Groups differ in purchase and spend parameters, lines per
// order, category and channel mix, acquisition mix, interaction rates,
// NPS level, opt-ins and subscription share (see DefaultGroups).
//
// Names: with probability NonLatinShare (default 0.15), split equally, a
// Bengali (country BD), Urdu (PK, right to left) or Lithuanian (LT, with
// ą č ę ė į š ų ū ž in names and streets) name; otherwise a plain ASCII
// name in US, GB, DE, FR, NL, ES or IE. Cities, phone prefixes and
// address forms follow the country; e-mails use an ASCII romanisation at
// example.com-style domains. Acquisition cost is Gamma(2) with a mean per
// channel; partner-acquired customers carry a partner_id PT1..PT8.
//
// # Purchases (orders.csv)
//
// BG/NBD (Fader, Hardie and Lee 2005) in days from the first order:
// lambda ~ Gamma(r, alpha), p ~ Beta(a, b) per customer; repeat orders
// arrive as a Poisson process with rate lambda; after each repeat order
// the customer drops out with probability p (never at the first order, as
// in the model). The acquisition channel multiplies lambda by
// exp(ChannelEffects[channel]) (default DefaultChannelEffects: referral
// +0.3, partner +0.4, paid_search -0.3, social -0.2, organic and email
// 0), a planted covariate effect recorded in truth.json (covariates); the
// lambda in truth_customers.csv includes it. Nothing is dated after AsOf.
// Time is continuous, so two orders may fall on the same calendar day;
// daily aggregation can merge them. Order values follow Gamma-Gamma: nu ~ Gamma(q, gamma) per
// customer, value ~ Gamma(p, nu) per order, rounded to cents, and split
// over lines as described on worker.order; the regular lines of an order
// sum exactly to its value. A free (zero-revenue) line follows an order
// with probability 0.03, and a repeat order returns one line of the
// previous order (negative quantity, revenue and cost) with probability
// 0.04. cost is revenue times the product's cost ratio. Store and phone
// orders carry a sales_rep SR1..SR20. Order ids are O<customer>-<k>.
//
// Products: 300 products (P1..P300), 30 in each of 10 categories, with
// LogNormal unit prices around a category median and cost ratios
// Uniform(0.35, 0.8); inside a category, popularity is Zipf. Ten planted
// pairs: an order holding A gets B as an extra line with probability
// PairProb (0.35); truth.json lists each pair with its order counts and
// measured lift (well above 1).
//
// Default volume: the default groups average 7.0 orders and about 20.2
// clean order lines per customer over three years (uniform sign-ups), so
// 1M customers give about 7M orders and 20M lines.
//
// # Interactions (interactions.csv)
//
// While a customer is alive (from sign-up to AsOf, or to its dropout,
// which is its last order), each type is a Poisson process at its group's
// yearly rate: web_visit (web), email_open and email_click (email, opt-in
// only), support_ticket (phone, chat, email), complaint (phone, store,
// social), social_mention (social), nps (email or web, value
// Binomial(10, nps_q)). In the 6 weeks before a dropout, tickets and
// complaints arrive 4 times faster and nps_q is lowered by 0.3. Costs:
// tickets Gamma(2) with mean 8, complaints mean 25, nps 0.50, e-mails
// 0.01, others 0. Default volume is about 10 interactions per customer.
//
// # Leads and opportunities
//
// Leads (LeadsPerCustomer, default 0.5 per customer) have features drawn
// as described on worker.lead and convert by the logistic model recorded
// in truth.json (LeadTruth). A converted lead L<j+1> is linked to customer
// C<j+1> with probability 0.8, its converted_ts being the customer's
// sign-up. Half the converted leads and 5% of customers (source upsell)
// get an opportunity; opportunities.csv logs one row per stage entered
// (prospecting, qualification, proposal, negotiation, closed) by AsOf,
// with the outcome won/lost on the closing row and open elsewhere; the win
// probability is logistic in source and owner (OpportunityTruth).
//
// # Subscriptions
//
// With the group's SubscribeShare a customer subscribes to basic, plus or
// pro (weights 0.5, 0.35, 0.15) starting Uniform(0, 30) days after sign-up;
// theta ~ Beta(alpha, beta) of the plan and the subscription ends after
// each month with probability theta, the shifted-beta-geometric model of
// Fader and Hardie (2007). end_date is empty while active at AsOf.
//
// # Dirty rows
//
// With probability DirtyShare (default 0.01) after each clean row of
// customers, orders and interactions, a dirty row is planted (leads,
// opportunities and subscriptions are clean). Kinds, uniform per table:
//   - customers.csv: malformed_email (the customer's own row gets a bad
//     e-mail: "@@", a space, or no "@"; a flag, not a reject),
//     duplicate_customer_id (an extra later row with the same id and
//     another phone), unparseable_date (an extra row, id CD<i>, with a bad
//     signup_date).
//   - orders.csv, extra rows with id X<customer>-<order>-<line>:
//     unparseable_revenue (e.g. "12,3x"), empty_customer_id,
//     unknown_customer (CU<i>), ts_after_as_of, revenue_nan ("NaN"),
//     revenue_inf ("Inf"), unparseable_date (bad order_ts).
//   - interactions.csv, extra rows with id XI<customer>-<k>:
//     empty_customer_id, unknown_customer, unparseable_date.
//
// Dirty rows never alter the clean process: dropping them leaves exactly
// the generated data. truth.json counts them exactly by file and kind
// (dirty) and sums the reject kinds per file (rejects).
//
// # Truth
//
// truth.json holds the options after defaults, the groups' parameters,
// products, pairs, interaction, lead, opportunity and subscription
// parameters, and exact row counts per file. truth_customers.csv has one
// row per customer: group, script, latent lambda, p, nu, expected order
// value p/nu, signup_ts, and the lifetimes summary frequency (repeat
// orders), recency (days from first to last order), T (days from first
// order to AsOf) and monetary_value (mean value of repeat orders), then
// alive at AsOf, dropout_ts, orders, order_lines, interactions, plan and
// theta.
package gen
