// Package btyd implements the "buy 'til you die" (BTYD) models of customer-base
// analysis used by the nightly CLV batch: the BG/NBD and Pareto/NBD models of
// repeat-purchase counts, the Gamma-Gamma model of spend per order, customer
// lifetime value on a calendar-month horizon, and holdout evaluation.
//
// The story of a run is:
//
//  1. Summarise each customer's transactions into the recency-frequency
//     summary used by lifetimes and BTYD: frequency x (repeat purchase
//     occasions, same-day purchases merged), recency t_x (time of the last
//     repeat purchase since the first purchase) and age T (time from the first
//     purchase to the end of the calibration period), all in one time unit
//     (days or weeks). That step lives outside this package.
//  2. Fit a purchase model by maximum likelihood: FitBGNBD (Fader, Hardie &
//     Lee 2005, "Counting Your Customers the Easy Way", Marketing Science
//     24(2):275-284) or FitParetoNBD (Schmittlein, Morrison & Colombo 1987;
//     likelihood as in Fader & Hardie 2005, "A Note on Deriving the
//     Pareto/NBD Model and Related Expressions"). Customers with identical
//     (x, t_x, T) are fitted once with a weight, which makes fits on
//     integer-day data nearly independent of the number of customers.
//     Customers who can transact at most once per period (annual donors,
//     weekly visits) are fitted with FitBGBB, the BG/BB of Fader, Hardie &
//     Shang (2010), on (x, t_x, n) in whole periods. Time-invariant
//     covariates (channel, region, campaign) enter FitBGNBDCov and
//     FitParetoNBDCov (Fader & Hardie 2007, note 019; the CLVTools and
//     PyMC-Marketing parametrisations) as Covariates columns; each
//     customer then has their own BGNBD or ParetoNBD.
//  3. Fit the spend model with FitGammaGamma (Fader & Hardie 2013, "The
//     Gamma-Gamma Model of Monetary Value", note 025) on repeat buyers.
//     Returns are handled outside the Gamma-Gamma: FitReturnPrior shrinks
//     each customer's return share towards the population share, and
//     ReturnPrior.NetSpend turns expected gross spend into net spend.
//  4. Score customers: ProbabilityAlive, ConditionalExpectedPurchases and
//     CLV, one customer at a time or over slices with Score (ScoreCov for
//     models with covariates).
//  5. Check the model on a holdout period with Holdout, and choose between
//     BG/NBD and Pareto/NBD with ChooseModel.
//
// Fits return the model, a *Fit with estimates, standard errors,
// log-likelihood and the optimizer's status, and an error. A fit that does not
// converge still returns its last estimates; the error then wraps
// ErrNotConverged and Fit.Converged is false. Mismatched slice lengths are
// programmer errors and panic with a "btyd: " message.
//
// All likelihoods are evaluated in log space (log-sum-exp for the two-branch
// likelihoods), so heavy buyers with thousands of purchases and extreme ages
// neither overflow nor underflow.
//
// Names follow the analysts' vocabulary: BG/NBD (r, alpha, a, b), Pareto/NBD
// (r, alpha, s, beta), BG/BB (alpha, beta, gamma, delta), Gamma-Gamma
// (p, q, gamma; lifetimes calls gamma "v").
// Method doc comments name the equivalent lifetimes (Python) and BTYD (R)
// function.
package btyd
