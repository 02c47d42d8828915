// Package sbg implements the shifted-beta-geometric (sBG) model of contractual
// customer retention of Fader and Hardie:
//
//   - P. S. Fader and B. G. S. Hardie (2007), "How to Project Customer
//     Retention", Journal of Interactive Marketing 21(1):76-90.
//   - P. S. Fader and B. G. S. Hardie (2010), "Customer-Base Valuation in a
//     Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing
//     Science 29(1):85-93.
//
// Each subscriber renews at the end of every period with a constant
// probability 1-theta until the first non-renewal; theta varies across
// subscribers as Beta(alpha, beta). The period T in which a subscriber churns
// (T = 1, 2, ...) then has P(T=t) = B(alpha+1, beta+t-1)/B(alpha, beta) and the
// survivor function S(t) = P(T > t) = B(alpha, beta+t)/B(alpha, beta).
//
// Model holds alpha and beta and provides the churn probability, survival,
// retention rate, projected survivors, discounted expected residual lifetime
// (DERL) and per-subscriber residual lifetime value. Fit estimates alpha and
// beta by maximum likelihood from a Problem, either a survivor curve
// S_0..S_n of one cohort or per-subscriber (lifetime, censored, weight) records.
//
// The names follow the analysts' vocabulary (pymc-marketing ShiftedBetaGeoModel,
// the R and Python sBG ports): alpha, beta, survival, retention, DERL.
//
// The package is pure numerics over slices and gonum; it does no I/O.
package sbg
