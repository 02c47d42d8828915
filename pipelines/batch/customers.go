package batch

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/engine/frame"
)

// Customers is the customer table of a run. It stays in DuckDB, as the
// temporary view customer_table with one row per customer in a fixed order;
// a Go stage pulls the columns it needs (Col, Floats) and hands back the
// ones it adds (Add), which reach DuckDB on Flush. Pulled columns are kept
// until Release, which the runner calls after every stage: Go holds a
// stage's working set, never the ~100 columns of the whole table.
//
// The view is a POSITIONAL JOIN of parts: customer_part_0 is the table the
// customer stage built, and every Flush adds one part with the columns it
// brought. A Flush therefore writes only its own columns, not the whole
// wide table again (at 1M customers, rewriting it after each of eight
// stages cost about 30 s). A column added again is taken from its latest
// part.
type Customers struct {
	db      *engine.DB
	n       int
	names   []string
	from    map[string]int // column -> the part that holds its current value
	parts   int
	cache   map[string]*frame.Column
	pending []*frame.Column
	err     error
}

// CustomerRows is the table whose rowid is a customer's row in
// customer_table (a view, which has no rowid of its own): the part the
// customer stage built, in customer order.
const CustomerRows = "customer_part_0"

// OpenCustomers wraps the table customer_table of db, which becomes the
// first part of the view customer_table.
func OpenCustomers(ctx context.Context, db *engine.DB) (*Customers, error) {
	if err := db.Exec(ctx, "DROP TABLE IF EXISTS customer_part_0; ALTER TABLE customer_table RENAME TO customer_part_0"); err != nil {
		return nil, fmt.Errorf("customer table: %w", err)
	}
	n, err := db.Int(ctx, "SELECT count(*) FROM customer_part_0")
	if err != nil {
		return nil, err
	}
	names, err := db.Strings(ctx, "SELECT column_name FROM (DESCRIBE customer_part_0)")
	if err != nil {
		return nil, err
	}
	c := &Customers{db: db, n: int(n), names: names, from: map[string]int{}, parts: 1, cache: map[string]*frame.Column{}}
	for _, name := range names {
		c.from[name] = 0
	}
	return c, c.view(ctx)
}

// DropCustomerParts removes the customer table of an earlier run on the
// same connection (the view and its parts), so that the customer stage can
// build it again.
func DropCustomerParts(ctx context.Context, db *engine.DB) error {
	parts, err := db.Strings(ctx, "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, 'customer_part_')")
	if err != nil {
		return err
	}
	q := "DROP VIEW IF EXISTS customer_table"
	for _, p := range parts {
		q += "; DROP TABLE IF EXISTS " + engine.Ident(p)
	}
	return db.Exec(ctx, q)
}

// view (re)defines customer_table over the parts, the columns in table
// order, each from the part that holds its current value. Both sides of a
// POSITIONAL JOIN are scanned in insertion order: row i meets row i.
func (c *Customers) view(ctx context.Context) error {
	var cols, from []string
	for _, name := range c.names {
		cols = append(cols, fmt.Sprintf("p%d.%s", c.from[name], engine.Ident(name)))
	}
	for i := 0; i < c.parts; i++ {
		from = append(from, fmt.Sprintf("customer_part_%d p%d", i, i))
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP VIEW customer_table AS SELECT %s FROM %s",
		strings.Join(cols, ", "), strings.Join(from, " POSITIONAL JOIN "))
	return c.db.Exec(ctx, q)
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

// Flush writes the added columns into a new part of customer_table.
func (c *Customers) Flush(ctx context.Context) error {
	if c.err != nil {
		return c.err
	}
	if len(c.pending) == 0 {
		return nil
	}
	part := fmt.Sprintf("customer_part_%d", c.parts)
	if err := c.db.CreateTable(ctx, part, &frame.Frame{Cols: c.pending}); err != nil {
		return err
	}
	// A column added again moves to the end, as it did when the table was
	// rewritten with t.* EXCLUDE (...), a.*.
	replaced := map[string]bool{}
	for _, p := range c.pending {
		replaced[p.Name] = true
	}
	names := c.names[:0:0]
	for _, n := range c.names {
		if !replaced[n] {
			names = append(names, n)
		}
	}
	for _, p := range c.pending {
		names = append(names, p.Name)
		c.from[p.Name] = c.parts
	}
	c.names, c.parts, c.pending = names, c.parts+1, nil
	return c.view(ctx)
}

// Release writes the added columns and forgets the pulled ones.
func (c *Customers) Release(ctx context.Context) error {
	err := c.Flush(ctx)
	c.cache = map[string]*frame.Column{}
	return err
}
