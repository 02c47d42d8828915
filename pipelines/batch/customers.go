package batch

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
)

// Customers is the customer table of a run. It stays in DuckDB, as the
// temporary table customer_table with one row per customer in a fixed
// order; a Go stage pulls the columns it needs (Col, Floats) and hands back
// the ones it adds (Add), which reach DuckDB on Flush by a positional join.
// Pulled columns are kept until Release, which the runner calls after every
// stage: Go holds a stage's working set, never the ~100 columns of the
// whole table.
type Customers struct {
	db      *engine.DB
	n       int
	names   []string
	cache   map[string]*frame.Column
	pending []*frame.Column
	err     error
}

// OpenCustomers wraps the table customer_table of db.
func OpenCustomers(ctx context.Context, db *engine.DB) (*Customers, error) {
	n, err := db.Int(ctx, "SELECT count(*) FROM customer_table")
	if err != nil {
		return nil, err
	}
	names, err := db.Strings(ctx, "SELECT column_name FROM (DESCRIBE customer_table)")
	if err != nil {
		return nil, err
	}
	return &Customers{db: db, n: int(n), names: names, cache: map[string]*frame.Column{}}, nil
}

var _ frame.Table = (*Customers)(nil)

// Len returns the number of customers.
func (c *Customers) Len() int { return c.n }

// Names returns the column names, in table order.
func (c *Customers) Names() []string { return append([]string(nil), c.names...) }

func (c *Customers) has(name string) bool {
	for _, n := range c.names {
		if n == name {
			return true
		}
	}
	return false
}

// Col returns the named column, pulled from DuckDB on first use, or nil when
// the table has no such column. A failed pull returns nil too; Err reports
// it.
func (c *Customers) Col(name string) *frame.Column {
	if col, ok := c.cache[name]; ok {
		return col
	}
	if !c.has(name) {
		return nil
	}
	f, err := c.db.QueryFrame(context.Background(), "SELECT "+engine.Ident(name)+" FROM customer_table")
	if err != nil {
		c.err = fmt.Errorf("customer table: reading column %s: %w", name, err)
		return nil
	}
	col := f.Cols[0]
	c.cache[name] = col
	return col
}

// Floats returns the named column as float64 values (see frame.Frame.Floats).
func (c *Customers) Floats(name string) ([]float64, error) {
	col := c.Col(name)
	if col == nil {
		if c.err != nil {
			return nil, c.err
		}
		return nil, fmt.Errorf("customer table: no column %q", name)
	}
	return (&frame.Frame{Cols: []*frame.Column{col}}).Floats(name)
}

// Add adds a column in customer order, replacing one of the same name. It
// panics if the length differs: that is a programming error.
func (c *Customers) Add(col *frame.Column) {
	if col.Len() != c.n {
		panic(fmt.Sprintf("batch: column %q has %d rows, the customer table %d", col.Name, col.Len(), c.n))
	}
	for i, p := range c.pending {
		if p.Name == col.Name {
			c.pending[i] = col
			c.cache[col.Name] = col
			return
		}
	}
	c.pending = append(c.pending, col)
	c.cache[col.Name] = col
	if !c.has(col.Name) {
		c.names = append(c.names, col.Name)
	}
}

// Flush writes the added columns into customer_table.
func (c *Customers) Flush(ctx context.Context) error {
	if c.err != nil {
		return c.err
	}
	if len(c.pending) == 0 {
		return nil
	}
	add := &frame.Frame{Cols: c.pending}
	if err := c.db.CreateTable(ctx, "customer_added", add); err != nil {
		return err
	}
	stored, err := c.db.Strings(ctx, "SELECT column_name FROM (DESCRIBE customer_table)")
	if err != nil {
		return err
	}
	inTable := map[string]bool{}
	for _, n := range stored {
		inTable[n] = true
	}
	var replaced []string
	for _, p := range c.pending {
		if inTable[p.Name] {
			replaced = append(replaced, engine.Ident(p.Name))
		}
	}
	exclude := ""
	if len(replaced) > 0 {
		exclude = "EXCLUDE (" + strings.Join(replaced, ", ") + ")"
	}
	// Both tables are scanned in insertion order: POSITIONAL JOIN pairs
	// row i with row i.
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE customer_table AS
SELECT t.* %s, a.* FROM (SELECT * FROM customer_table) t POSITIONAL JOIN customer_added a;
DROP TABLE customer_added`, exclude)
	if err := c.db.Exec(ctx, q); err != nil {
		return err
	}
	c.pending = nil
	names, err := c.db.Strings(ctx, "SELECT column_name FROM (DESCRIBE customer_table)")
	c.names = names
	return err
}

// Release writes the added columns and forgets the pulled ones.
func (c *Customers) Release(ctx context.Context) error {
	err := c.Flush(ctx)
	c.cache = map[string]*frame.Column{}
	return err
}
