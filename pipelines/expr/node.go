package expr

import "strings"

// node is a parsed expression. Nodes print themselves in normalised form:
// keywords upper case, columns double quoted, every operator parenthesised.
type node interface {
	// depth is the height of the subtree: 1 for a leaf.
	depth() int
	write(b *strings.Builder)
}

// height is embedded by every node and stores its subtree height.
type height int

func (h height) depth() int { return int(h) }

// over returns 1 + the largest height among children.
func over(children ...node) height {
	h := 0
	for _, c := range children {
		if c != nil {
			h = max(h, c.depth())
		}
	}
	return height(h + 1)
}

type (
	// literal is a number, string, boolean, NULL or typed literal, stored
	// in normalised spelling.
	literal struct {
		height
		sql string
	}
	// column is a reference to an allowed column, canonical spelling.
	column struct {
		height
		name string
	}
	unary struct {
		height
		op string // "-", "+" or "NOT"
		x  node
	}
	binary struct {
		height
		op   string
		l, r node
	}
	isNull struct {
		height
		x   node
		not bool
	}
	inList struct {
		height
		x    node
		list []node
		not  bool
	}
	between struct {
		height
		x, lo, hi node
		not       bool
	}
	like struct {
		height
		op     string // "LIKE" or "ILIKE"
		x, pat node
		not    bool
	}
	caseExpr struct {
		height
		operand node // nil for a searched CASE
		whens   []node
		thens   []node
		els     node
	}
	cast struct {
		height
		fn  string // "CAST" or "TRY_CAST"
		x   node
		typ string
	}
	call struct {
		height
		name string
		args []node
	}
)

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func quoteIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (n *literal) write(b *strings.Builder) { b.WriteString(n.sql) }
func (n *column) write(b *strings.Builder)  { b.WriteString(quoteIdent(n.name)) }

func (n *unary) write(b *strings.Builder) {
	b.WriteString("(")
	b.WriteString(n.op)
	if n.op == "NOT" {
		b.WriteString(" ")
	}
	n.x.write(b)
	b.WriteString(")")
}

func (n *binary) write(b *strings.Builder) {
	b.WriteString("(")
	n.l.write(b)
	b.WriteString(" " + n.op + " ")
	n.r.write(b)
	b.WriteString(")")
}

func notWord(not bool) string {
	if not {
		return " NOT"
	}
	return ""
}

func (n *isNull) write(b *strings.Builder) {
	b.WriteString("(")
	n.x.write(b)
	b.WriteString(" IS" + notWord(n.not) + " NULL)")
}

func (n *inList) write(b *strings.Builder) {
	b.WriteString("(")
	n.x.write(b)
	b.WriteString(notWord(n.not) + " IN (")
	for i, e := range n.list {
		if i > 0 {
			b.WriteString(", ")
		}
		e.write(b)
	}
	b.WriteString("))")
}

func (n *between) write(b *strings.Builder) {
	b.WriteString("(")
	n.x.write(b)
	b.WriteString(notWord(n.not) + " BETWEEN ")
	n.lo.write(b)
	b.WriteString(" AND ")
	n.hi.write(b)
	b.WriteString(")")
}

func (n *like) write(b *strings.Builder) {
	b.WriteString("(")
	n.x.write(b)
	b.WriteString(notWord(n.not) + " " + n.op + " ")
	n.pat.write(b)
	b.WriteString(")")
}

func (n *caseExpr) write(b *strings.Builder) {
	b.WriteString("CASE")
	if n.operand != nil {
		b.WriteString(" ")
		n.operand.write(b)
	}
	for i := range n.whens {
		b.WriteString(" WHEN ")
		n.whens[i].write(b)
		b.WriteString(" THEN ")
		n.thens[i].write(b)
	}
	if n.els != nil {
		b.WriteString(" ELSE ")
		n.els.write(b)
	}
	b.WriteString(" END")
}

func (n *cast) write(b *strings.Builder) {
	b.WriteString(n.fn + "(")
	n.x.write(b)
	b.WriteString(" AS " + n.typ + ")")
}

func (n *call) write(b *strings.Builder) {
	b.WriteString(n.name + "(")
	for i, a := range n.args {
		if i > 0 {
			b.WriteString(", ")
		}
		a.write(b)
	}
	b.WriteString(")")
}
