package expr

import (
	"fmt"
	"strings"
)

// Limits bounds the input a parser accepts. A nil *Limits means defaults.
type Limits struct {
	// MaxLen is the longest accepted input in bytes; zero means 4096.
	MaxLen int
	// MaxDepth is the tallest accepted syntax tree, counting a leaf as 1;
	// zero means 64. Redundant parentheses do not add height, but more
	// than 2*MaxDepth+2 nested parentheses, NOTs or signs are refused too.
	MaxDepth int
}

// Default limits.
const (
	DefaultMaxLen   = 4096
	DefaultMaxDepth = 64
)

// Expr is an accepted expression.
type Expr struct {
	// SQL is the normalised expression, safe to embed in a query as a
	// scalar expression.
	SQL string
	// Columns lists the referenced columns in canonical spelling, once
	// each, in order of first appearance.
	Columns []string
}

// String returns e.SQL.
func (e *Expr) String() string { return e.SQL }

// Parse validates src against the safe expression subset described in the
// package documentation, with the default limits, resolving identifiers
// against columns. It returns the normalised expression or an *Error.
//
// Parse panics if two entries of columns differ only in case.
func Parse(src string, columns []string) (*Expr, error) {
	return ParseLimits(src, columns, nil)
}

// ParseLimits is like Parse with explicit limits.
func ParseLimits(src string, columns []string, lim *Limits) (*Expr, error) {
	l := Limits{MaxLen: DefaultMaxLen, MaxDepth: DefaultMaxDepth}
	if lim != nil {
		if lim.MaxLen > 0 {
			l.MaxLen = lim.MaxLen
		}
		if lim.MaxDepth > 0 {
			l.MaxDepth = lim.MaxDepth
		}
	}
	if len(src) > l.MaxLen {
		return nil, errorf(ErrLimit, l.MaxLen, "", "expression is %d bytes, longer than the limit of %d", len(src), l.MaxLen)
	}
	canon := make(map[string]string, len(columns))
	for _, c := range columns {
		k := strings.ToLower(c)
		if prev, ok := canon[k]; ok {
			panic(fmt.Sprintf("expr: columns %q and %q differ only in case", prev, c))
		}
		canon[k] = c
	}
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 1 {
		return nil, errorf(ErrSyntax, 0, "", "empty expression")
	}
	p := &parser{toks: toks, lim: l, canon: canon, columns: columns, seen: map[string]bool{}}
	n, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.is(")") {
			return nil, errorf(ErrSyntax, t.pos, t.src, "unbalanced parenthesis: ) without a matching (")
		}
		return nil, errorf(ErrSyntax, t.pos, t.src, "unexpected %s after the end of the expression", describe(t))
	}
	var b strings.Builder
	n.write(&b)
	return &Expr{SQL: b.String(), Columns: p.used}, nil
}

// parser is a recursive-descent parser over a token slice.
type parser struct {
	toks    []token
	i       int
	lim     Limits
	nest    int
	canon   map[string]string // lower-case name -> canonical column
	columns []string
	used    []string
	seen    map[string]bool
	growing int // calls that can lengthen text (see size.go)
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// is reports whether t is the operator op.
func (t token) is(op string) bool { return t.kind == tOp && t.text == op }

// kw reports whether t is the bare keyword word (upper case).
func (t token) kw(word string) bool { return t.kind == tIdent && strings.EqualFold(t.text, word) }

// describe names a token for messages.
func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tIdent:
		if grammarKeywords[strings.ToUpper(t.text)] {
			return "keyword " + strings.ToUpper(t.text)
		}
		return "identifier " + t.text
	case tQIdent:
		return "identifier " + t.src
	case tNumber:
		return "number " + t.src
	case tString:
		return "string " + t.src
	}
	return "'" + t.text + "'"
}

// grammarKeywords are the keywords this grammar uses; as bare words they
// are never column names.
var grammarKeywords = setOf("AND", "OR", "NOT", "IS", "NULL", "IN", "BETWEEN",
	"LIKE", "ILIKE", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "TRY_CAST",
	"AS", "TRUE", "FALSE", "DISTINCT", "ESCAPE", "SIMILAR", "GLOB", "COLLATE")

// enter guards recursion: nested parentheses, NOTs and signs.
func (p *parser) enter() error {
	p.nest++
	if p.nest > 2*p.lim.MaxDepth+2 {
		t := p.peek()
		return errorf(ErrLimit, t.pos, t.src, "expression nested too deeply")
	}
	return nil
}

// check refuses a node taller than MaxDepth.
func (p *parser) check(n node, pos int, src string) (node, error) {
	if n.depth() > p.lim.MaxDepth {
		return nil, errorf(ErrLimit, pos, src, "expression nested deeper than %d levels", p.lim.MaxDepth)
	}
	return n, nil
}

func (p *parser) expect(op string) (token, error) {
	t := p.peek()
	if !t.is(op) {
		return t, errorf(ErrSyntax, t.pos, t.src, "expected '%s' but found %s", op, describe(t))
	}
	return p.next(), nil
}

// expectClose consumes the ')' matching the '(' at open.
func (p *parser) expectClose(open token) error {
	t := p.peek()
	if t.is(")") {
		p.next()
		return nil
	}
	if t.kind == tEOF {
		return errorf(ErrSyntax, open.pos, "(", "unbalanced parenthesis: ( is never closed")
	}
	return errorf(ErrSyntax, t.pos, t.src, "expected ')' to close '(' at offset %d but found %s", open.pos, describe(t))
}

// parseExpr parses a full expression: OR is the loosest operator.
func (p *parser) parseExpr() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.nest-- }()
	return p.parseOr()
}

// parseLeft parses a left-associative chain of keyword operators.
func (p *parser) parseLeft(word string, sub func() (node, error)) (node, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for p.peek().kw(word) {
		t := p.next()
		r, err := sub()
		if err != nil {
			return nil, err
		}
		if l, err = p.check(&binary{over(l, r), word, l, r}, t.pos, t.src); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (p *parser) parseOr() (node, error)  { return p.parseLeft("OR", p.parseAnd) }
func (p *parser) parseAnd() (node, error) { return p.parseLeft("AND", p.parseNot) }

func (p *parser) parseNot() (node, error) {
	if !p.peek().kw("NOT") {
		return p.parseIs()
	}
	t := p.next()
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.nest-- }()
	x, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	return p.check(&unary{over(x), "NOT", x}, t.pos, t.src)
}

// parseIs parses x IS [NOT] NULL, possibly repeated.
func (p *parser) parseIs() (node, error) {
	x, err := p.parseCmp()
	if err != nil {
		return nil, err
	}
	for p.peek().kw("IS") {
		t := p.next()
		not := false
		if p.peek().kw("NOT") {
			p.next()
			not = true
		}
		if n := p.peek(); !n.kw("NULL") {
			return nil, errorf(ErrSyntax, n.pos, n.src, "expected NULL after IS but found %s", describe(n))
		}
		p.next()
		if x, err = p.check(&isNull{over(x), x, not}, t.pos, t.src); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// comparisons maps accepted comparison spellings to their normal form.
var comparisons = map[string]string{
	"=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
}

// parseCmp parses one non-associative comparison.
func (p *parser) parseCmp() (node, error) {
	l, err := p.parsePattern()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	op, ok := comparisons[t.text]
	if t.kind != tOp || !ok {
		return l, nil
	}
	p.next()
	r, err := p.parsePattern()
	if err != nil {
		return nil, err
	}
	if n := p.peek(); n.kind == tOp && comparisons[n.text] != "" {
		return nil, errorf(ErrSyntax, n.pos, n.src, "comparisons cannot be chained; add parentheses")
	}
	return p.check(&binary{over(l, r), op, l, r}, t.pos, t.src)
}
