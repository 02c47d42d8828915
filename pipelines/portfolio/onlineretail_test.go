package portfolio_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Online Retail (UCI, real): the RFM scores, the December 2010 cohort's
// retention and the Pareto shares agree with direct DuckDB SQL over the raw
// file, written here independently of the stages.
func TestOnlineRetail(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: Online Retail is 541,909 lines")
	}
	src, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data", "online_retail", "online_retail.csv.gz"))
	if _, err := os.Stat(src); err != nil {
		t.Skipf("SKIPPED: %s is not on this machine (needs ../shared/data next to the repository); the Online Retail checks did not run", src)
	}
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`as_of: 2011-12-09
max_reject_share: 0.3
threads: 2
output: out
sources:
  orders:
    files: [%s]
    columns:
      order_id: InvoiceNo
      customer_id: CAST(CAST(CustomerID AS BIGINT) AS VARCHAR)
      order_ts: InvoiceDate
      product_id: StockCode
      quantity: Quantity
      revenue: Quantity * UnitPrice
`, src)), dir)
	if err != nil {
		t.Fatal(err)
	}
	run(t, cfg, time.Time{})
	const asOf = "2011-12-09"
	// The raw lines with a customer, as the ingest keeps them.
	lines := fmt.Sprintf(`SELECT CAST(CAST(CustomerID AS BIGINT) AS VARCHAR) AS customer_id, InvoiceNo, InvoiceDate,
		Quantity * UnitPrice AS revenue FROM read_csv(%s) WHERE CustomerID IS NOT NULL`, engine.Quote(src))

	t.Run("rfm scores", func(t *testing.T) {
		// ntile(5) as the RFM literature uses it: recency in days since the
		// last invoice (recent = 5), frequency in distinct invoices,
		// monetary in net revenue; ties broken by customer_id.
		f := query(t, fmt.Sprintf(`WITH s AS (
			SELECT customer_id, date_diff('day', CAST(max(InvoiceDate) AS DATE), DATE '%s') AS recency,
				count(DISTINCT InvoiceNo) AS frequency, sum(revenue) AS monetary
			FROM (%s) GROUP BY customer_id
		), want AS (
			SELECT customer_id,
				ntile(5) OVER (ORDER BY recency DESC, customer_id) AS r,
				ntile(5) OVER (ORDER BY frequency, customer_id) AS f,
				ntile(5) OVER (ORDER BY monetary, customer_id) AS m
			FROM s
		)
		SELECT count(*) AS n,
			count(*) FILTER (WHERE w.r = g.rfm_r AND w.f = g.rfm_f AND w.m = g.rfm_m AND g.rfm_score = concat(w.r, w.f, w.m)) AS same,
			count(*) FILTER (WHERE g.rfm_segment = 'Champions') AS champions
		FROM want w JOIN read_parquet(%s) g USING (customer_id)`, asOf, lines, published(cfg, "customers", asOf)))
		n, same := f.Col("n").Ints[0], f.Col("same").Ints[0]
		t.Logf("%d of %d customers have the SQL's R, F and M scores; %d Champions", same, n, f.Col("champions").Ints[0])
		if n != 4372 || same != n {
			t.Errorf("%d of %d customers agree with ntile(5) in SQL; want all 4,372", same, n)
		}
	})

	t.Run("December 2010 cohort", func(t *testing.T) {
		want := query(t, fmt.Sprintf(`WITH m AS (
			SELECT DISTINCT customer_id, date_trunc('month', InvoiceDate) AS month FROM (%s)
		), coh AS (
			SELECT customer_id FROM m GROUP BY customer_id HAVING min(month) = DATE '2010-12-01'
		)
		SELECT date_diff('month', DATE '2010-12-01', month) AS k, count(*) AS active,
			count(*) / (SELECT count(*) FROM coh) AS rate
		FROM m JOIN coh USING (customer_id) GROUP BY 1 ORDER BY 1`, lines))
		got := query(t, fmt.Sprintf(`SELECT months_since_first AS k, active_customers AS active, retention_rate AS rate, cohort_customers
			FROM read_parquet(%s) WHERE cohort_month = DATE '2010-12-01' ORDER BY 1`, published(cfg, "cohort_retention", asOf)))
		if got.Len() != 13 || want.Len() != 13 {
			t.Fatalf("%d months in the output and %d in SQL, want 13 (Dec 2010 .. Dec 2011)", got.Len(), want.Len())
		}
		for i := 0; i < 13; i++ {
			if got.Col("active").Ints[i] != want.Col("active").Ints[i] || math.Abs(got.Col("rate").Floats[i]-want.Col("rate").Floats[i]) > 1e-12 {
				t.Errorf("month %d: %d active (%.4f), SQL says %d (%.4f)", i, got.Col("active").Ints[i], got.Col("rate").Floats[i], want.Col("active").Ints[i], want.Col("rate").Floats[i])
			}
		}
		t.Logf("December 2010 cohort: %d customers; retention month 1 %.3f, month 6 %.3f, month 12 %.3f",
			got.Col("cohort_customers").Ints[0], got.Col("rate").Floats[1], got.Col("rate").Floats[6], got.Col("rate").Floats[12])
		if got.Col("cohort_customers").Ints[0] != 948 {
			t.Errorf("cohort size %d, want 948", got.Col("cohort_customers").Ints[0])
		}
	})

	t.Run("Pareto share", func(t *testing.T) {
		// No costs in Online Retail: net profit is revenue.
		want := query(t, fmt.Sprintf(`WITH s AS (SELECT customer_id, sum(revenue) AS v FROM (%s) GROUP BY 1),
			r AS (SELECT v, row_number() OVER (ORDER BY v DESC) AS rk, count(*) OVER () AS n FROM s)
			SELECT sum(v) FILTER (WHERE rk <= ceil(0.2 * n)) / sum(v) AS share FROM r`, lines))
		got := query(t, fmt.Sprintf(`SELECT metric, value FROM read_parquet(%s) WHERE metric IN ('top_profit_share', 'top_revenue_share') ORDER BY metric`, published(cfg, "portfolio_kpis", asOf)))
		w := want.Col("share").Floats[0]
		for i := 0; i < got.Len(); i++ {
			if math.Abs(got.Col("value").Floats[i]-w) > 1e-9 {
				t.Errorf("%s = %.6f, SQL says %.6f", got.Col("metric").Strings[i], got.Col("value").Floats[i], w)
			}
		}
		t.Logf("the top 20%% of customers bring %.4f of revenue (and of profit, there being no costs)", w)
		if got.Len() != 2 {
			t.Errorf("%d Pareto metrics, want 2", got.Len())
		}
	})
}
