// Package affinity mines product-pair association rules from shopping
// baskets and turns them into next-best-offer recommendations.
//
// A rule A -> B over N baskets has (Agrawal, Imielinski & Swami 1993)
//
//	support(A -> B)    = n(A and B) / N
//	confidence(A -> B) = n(A and B) / n(A)
//	lift(A -> B)       = confidence(A -> B) / (n(B) / N)
//
// where n counts baskets; an item appearing twice in a basket counts once.
// Only pairs are mined (one antecedent, one consequent), which is what a
// next-best-offer needs and what stays cheap at 20 million order lines.
//
// Pair counting visits every pair of distinct items within each basket, so
// its cost grows with the square of the basket size. Baskets with more than
// Settings.MaxBasketSize distinct items (50 by default) are skipped and
// reported in Result.Skipped: such baskets are usually wholesale or test
// orders, and they would dominate the run time. With up to 5,792 distinct
// items the counts live in a dense triangular array (at most 64 MiB);
// beyond that in a map keyed by the packed pair (a<<32 | b). With
// Settings.MaxRules set, rules are kept in a bounded heap, so memory does
// not grow with the number of candidate pairs. Mining 1M baskets (about 20M
// lines, 3,000 products) takes about 1.6 s on one core.
//
// A Recommender scores, for one customer's set of bought items, every item
// the customer has not bought: each rule A -> B with A bought contributes
// confidence x lift, and contributions are combined by their maximum (the
// default; the strongest single reason) or their sum (see Aggregate).
// RecommendAll does this for many customers in parallel with reusable dense
// scratch space. With Max, each bought item's rules are visited strongest
// first and the scan stops once n usable rules (and ties) are seen, which
// cannot change the top n.
package affinity
