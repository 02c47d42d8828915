package portfolio

import (
	"context"
	"fmt"
	"time"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// Stages are the portfolio stages in the order they must run.
var Stages = []batch.Stage{
	{Name: "rfm", Run: RFM},
	{Name: "clusters", Run: Clusters},
	{Name: "lifecycle", Run: Lifecycle},
	{Name: "profitability", Run: Profitability},
}

// asOfSQL is the as-of date as a SQL DATE literal.
func asOfSQL(b *batch.Batch) string {
	return "DATE " + engine.Quote(b.AsOf.Format(time.DateOnly))
}

// ids returns the customer_id column of the customer table.
func ids(b *batch.Batch) ([]string, error) {
	c := b.Customers.Col("customer_id")
	if c == nil || c.Kind != frame.String {
		return nil, fmt.Errorf("portfolio: the customer table has no text customer_id column")
	}
	return c.Strings, nil
}

// aligned runs query, which must return a text column customer_id with at
// most one row per customer, and returns its other columns in the order of
// the customer table; customers the query does not return are null.
func aligned(ctx context.Context, b *batch.Batch, query string) (*frame.Frame, error) {
	f, err := b.DB.QueryFrame(ctx, query)
	if err != nil {
		return nil, err
	}
	want, err := ids(b)
	if err != nil {
		return nil, err
	}
	got := f.Col("customer_id")
	if got == nil {
		return nil, fmt.Errorf("portfolio: query returned no customer_id: %s", query)
	}
	same := len(got.Strings) == len(want)
	for i := 0; same && i < len(want); i++ {
		same = got.Strings[i] == want[i]
	}
	out := &frame.Frame{}
	if same {
		for _, c := range f.Cols {
			if c.Name != "customer_id" {
				out.Cols = append(out.Cols, c)
			}
		}
		return out, nil
	}
	row := make(map[string]int, len(got.Strings))
	for i, id := range got.Strings {
		row[id] = i
	}
	src := make([]int, len(want)) // -1: missing
	for i, id := range want {
		j, ok := row[id]
		if !ok {
			j = -1
		}
		src[i] = j
	}
	for _, c := range f.Cols {
		if c.Name != "customer_id" {
			out.Cols = append(out.Cols, permute(c, src))
		}
	}
	return out, nil
}

// permute returns the rows src of c (-1 gives a null row).
func permute(c *frame.Column, src []int) *frame.Column {
	n := len(src)
	o := &frame.Column{Name: c.Name, Kind: c.Kind, Valid: make([]bool, n)}
	switch c.Kind {
	case frame.Float64:
		o.Floats = make([]float64, n)
	case frame.String:
		o.Strings = make([]string, n)
	case frame.Bool:
		o.Bools = make([]bool, n)
	default:
		o.Ints = make([]int64, n)
	}
	for i, j := range src {
		if j < 0 || (c.Valid != nil && !c.Valid[j]) {
			continue
		}
		o.Valid[i] = true
		switch c.Kind {
		case frame.Float64:
			o.Floats[i] = c.Floats[j]
		case frame.String:
			o.Strings[i] = c.Strings[j]
		case frame.Bool:
			o.Bools[i] = c.Bools[j]
		default:
			o.Ints[i] = c.Ints[j]
		}
	}
	return o
}

// tableColumns returns the column names of a DuckDB table or view.
func tableColumns(ctx context.Context, db *engine.DB, table string) (map[string]string, error) {
	f, err := db.QueryFrame(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "+engine.Quote(table))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, n := range f.Col("column_name").Strings {
		out[n] = f.Col("data_type").Strings[i]
	}
	return out, nil
}

// syncCustomers makes view portfolio_customers: DuckDB's customer_table
// with every column that later stages added to the customer frame. Only
// the added columns are copied (as table portfolio_added), which is much
// cheaper than copying the whole customer table again.
func syncCustomers(ctx context.Context, b *batch.Batch) error {
	if err := b.SyncCustomers(ctx); err != nil {
		return err
	}
	return b.DB.Exec(ctx, "CREATE OR REPLACE TEMP VIEW portfolio_customers AS SELECT * FROM customer_table")
}

// ratio is the SQL for num / den as DOUBLE, NULL when den is 0 or NULL.
func ratio(num, den string) string {
	return fmt.Sprintf("CAST(%s AS DOUBLE) / nullif(CAST(%s AS DOUBLE), 0)", num, den)
}
