// Package expansion is the expansion stage (cross-sell and up-sell): it
// mines product affinity rules from baskets and gives every customer the
// next best offers that follow from what they bought.
//
// A basket is the set of products on the regular lines (revenue > 0) of
// one order_id; an order without order_id is the customer's lines at one
// order timestamp. Returns and zero-value lines do not make a basket. The
// rules and their support, confidence and lift are those of
// models/affinity (Agrawal, Imielinski and Swami 1993), pairs only, with
// the thresholds of config expansion.
//
// A customer's next best offers are the expansion.top_n products they have
// never ordered (on any line, returns included), scored by the strongest
// rule from a product they did order: score = confidence x lift of that
// rule, and because_product_id names its antecedent. Customers whose
// products start no rule get no offer (null columns).
package expansion

import (
	"context"
	"fmt"

	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/affinity"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Stage is the expansion stage of a run.
var Stage = batch.Stage{Name: "expansion", Run: run}

// productsSQL numbers the products: a product travels to Go as its number
// (pid), never as a per-row string.
const productsSQL = `CREATE OR REPLACE TEMP TABLE ex_products AS
SELECT product_id, (row_number() OVER (ORDER BY product_id) - 1)::INTEGER AS pid
FROM (SELECT DISTINCT product_id FROM orders WHERE product_id IS NOT NULL)`

// basketsSQL gives each basket's distinct products (lines with positive
// revenue), grouped by basket. A basket is an order, or a customer's order
// timestamp when orders have no id; it is keyed by a 64-bit hash of that
// key. This reads the order lines themselves: a basket is an order, and
// there are about as many (basket, product) pairs as lines.
const basketsSQL = `SELECT bid, pid FROM (
	SELECT DISTINCT CAST(hash(coalesce(o.order_id, o.customer_id || chr(31) || CAST(o.order_ts AS VARCHAR))) >> 1 AS BIGINT) AS bid, p.pid
	FROM orders o JOIN ex_products p USING (product_id) WHERE o.revenue > 0)
ORDER BY bid, pid`

func run(ctx context.Context, b *batch.Batch) error {
	db := b.DB
	n, err := db.Int(ctx, "SELECT count(*) FROM (SELECT 1 FROM orders WHERE product_id IS NOT NULL LIMIT 1)")
	if err != nil {
		return err
	}
	if n == 0 {
		return batch.Skip("orders have no product_id")
	}
	if err := db.Exec(ctx, productsSQL); err != nil {
		return err
	}
	products, err := db.QueryFrame(ctx, "SELECT product_id FROM ex_products ORDER BY pid")
	if err != nil {
		return err
	}
	names := products.Col("product_id").Strings
	_, baskets, err := db.IntGroups(ctx, basketsSQL)
	if err != nil {
		return err
	}
	e := b.Cfg.Expansion
	res := affinity.Mine(baskets, settings(&e))
	baskets = nil
	if b.Log != nil {
		b.Log.Info("affinity rules", "baskets", res.Baskets, "skipped_baskets", res.Skipped, "pairs", res.Pairs, "rules", len(res.Rules))
	}
	if res.Skipped > 0 {
		b.Warn("expansion: %d orders with more than %d distinct products were left out of the baskets (expansion.max_basket_size)", res.Skipped, e.MaxBasketSize)
	}
	if len(res.Rules) == 0 {
		b.Warn("expansion: no product pair passed the thresholds (min_support %v, min_count %d, min_confidence %v, min_lift %v) in %d baskets; no offers", *e.MinSupport, e.MinCount, *e.MinConfidence, *e.MinLift, res.Baskets)
	}
	if err := b.Out.WriteFrame("affinity_rules", rulesFrame(res, names)); err != nil {
		return err
	}
	batch.ReturnMemory() // the baskets, before DuckDB gathers the bought sets
	bought, err := boughtSets(ctx, b)
	if err != nil {
		return err
	}
	recs := affinity.NewRecommender(res.Rules, affinity.Max).RecommendAll(bought, e.TopN, 0)
	bought = nil
	addColumns(b.Customers, recs, names, e.TopN)
	return publishOffers(ctx, b, recs)
}

func settings(e *config.Expansion) *affinity.Settings {
	s := &affinity.Settings{MinCount: e.MinCount, MaxRules: e.MaxRules, MaxBasketSize: e.MaxBasketSize}
	if e.MinSupport != nil {
		s.MinSupport = *e.MinSupport
	}
	if e.MinConfidence != nil {
		s.MinConfidence = *e.MinConfidence
	}
	if e.MinLift != nil {
		s.MinLift = *e.MinLift
	}
	return s
}

// boughtSets returns, for each row of the customer table, the products the
// customer ordered on any line. Customers travel as their row number in
// customer_table (the rowid of batch.CustomerRows), not as strings.
func boughtSets(ctx context.Context, b *batch.Batch) ([][]int32, error) {
	if err := b.SyncCustomers(ctx); err != nil {
		return nil, err
	}
	rows, sets, err := b.DB.IntGroups(ctx, `SELECT c.rowid AS i, p.pid
FROM (SELECT DISTINCT customer_id, product_id FROM orders WHERE product_id IS NOT NULL) o
JOIN ex_products p USING (product_id) JOIN `+batch.CustomerRows+` c USING (customer_id) ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	out := make([][]int32, b.Customers.Len())
	for g, r := range rows {
		if r >= 0 && int(r) < len(out) {
			out[r] = sets[g]
		}
	}
	return out, nil
}

func rulesFrame(res *affinity.Result, names []string) *frame.Frame {
	n := len(res.Rules)
	rank := make([]int64, n)
	ante, cons := make([]string, n), make([]string, n)
	both, na, nb := make([]int64, n), make([]int64, n), make([]int64, n)
	sup, conf, lift := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, r := range res.Rules {
		rank[i] = int64(i + 1)
		ante[i], cons[i] = names[r.Antecedent], names[r.Consequent]
		both[i], na[i], nb[i] = int64(r.Count), int64(r.AntecedentCount), int64(r.ConsequentCount)
		sup[i], conf[i], lift[i] = r.Support, r.Confidence, r.Lift
	}
	baskets := make([]int64, n)
	for i := range baskets {
		baskets[i] = int64(res.Baskets)
	}
	return &frame.Frame{Cols: []*frame.Column{
		frame.NewInt("rank", rank, nil),
		frame.NewString("antecedent_product_id", ante, nil),
		frame.NewString("consequent_product_id", cons, nil),
		frame.NewInt("baskets_with_both", both, nil),
		frame.NewInt("antecedent_baskets", na, nil),
		frame.NewInt("consequent_baskets", nb, nil),
		frame.NewInt("baskets", baskets, nil),
		frame.NewFloat("support", sup),
		frame.NewFloat("confidence", conf),
		frame.NewFloat("lift", lift),
	}}
}

// OfferColumn is the name of the customer-table column of the k-th offer
// (1-based).
func OfferColumn(k int) string { return fmt.Sprintf("next_best_offer_%d", k) }

func addColumns(f frame.Table, recs [][]affinity.Recommendation, names []string, topN int) {
	for k := 0; k < topN; k++ {
		v, valid := make([]string, len(recs)), make([]bool, len(recs))
		for i, r := range recs {
			if k < len(r) {
				v[i], valid[i] = names[r[k].Item], true
			}
		}
		f.Add(frame.NewString(OfferColumn(k+1), v, valid))
	}
}

// publishOffers publishes next_best_offers, one row per customer and offer
// in customer order. The offers travel to DuckDB as numbers (customer row,
// rank, product numbers, score), and DuckDB's COPY writes them with the
// customer and product ids: no per-offer string is made in Go.
func publishOffers(ctx context.Context, b *batch.Batch, recs [][]affinity.Recommendation) error {
	var row, rank, item, because []int64
	var score []float64
	for i, r := range recs {
		for k, o := range r {
			row, rank = append(row, int64(i)), append(rank, int64(k+1))
			item, because = append(item, int64(o.Item)), append(because, int64(o.Because))
			score = append(score, o.Score)
		}
	}
	f := &frame.Frame{Cols: []*frame.Column{
		frame.NewInt("row", row, nil), frame.NewInt("rank", rank, nil),
		frame.NewInt("item", item, nil), frame.NewInt("because", because, nil),
		frame.NewFloat("score", score),
	}}
	if err := b.DB.CreateTable(ctx, "ex_offers", f); err != nil {
		return err
	}
	defer b.DB.Exec(ctx, "DROP TABLE IF EXISTS ex_offers")
	return b.Out.CopyQuery(ctx, b.DB, "next_best_offers", `SELECT c.customer_id, o.rank, p.product_id, o.score, q.product_id AS because_product_id
FROM ex_offers o JOIN `+batch.CustomerRows+` c ON c.rowid = o.row
JOIN ex_products p ON p.pid = o.item JOIN ex_products q ON q.pid = o.because
ORDER BY o.row, o.rank`)
}
