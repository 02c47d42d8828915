package expr

import (
	"strings"
	"time"
)

// parsePattern parses x [NOT] IN (...), x [NOT] BETWEEN a AND b and
// x [NOT] LIKE|ILIKE p, each at most once.
func (p *parser) parsePattern() (node, error) {
	x, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	not := false
	t := p.peek()
	if t.kw("NOT") {
		n := p.peekAt(1)
		if !(n.kw("IN") || n.kw("BETWEEN") || n.kw("LIKE") || n.kw("ILIKE")) {
			return x, nil
		}
		p.next()
		not = true
		t = p.peek()
	}
	switch {
	case t.kw("IN"):
		p.next()
		open, err := p.expect("(")
		if err != nil {
			return nil, err
		}
		if n := p.peek(); n.is(")") {
			return nil, errorf(ErrSyntax, n.pos, n.src, "empty IN list")
		}
		var list []node
		for {
			e, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			list = append(list, e)
			if !p.peek().is(",") {
				break
			}
			p.next()
		}
		if err := p.expectClose(open); err != nil {
			return nil, err
		}
		return p.check(&inList{over(append([]node{x}, list...)...), x, list, not}, t.pos, t.src)
	case t.kw("BETWEEN"):
		p.next()
		lo, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		if a := p.peek(); !a.kw("AND") {
			return nil, errorf(ErrSyntax, a.pos, a.src, "expected AND in BETWEEN but found %s", describe(a))
		}
		p.next()
		hi, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		return p.check(&between{over(x, lo, hi), x, lo, hi, not}, t.pos, t.src)
	case t.kw("LIKE"), t.kw("ILIKE"):
		p.next()
		pat, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		return p.check(&like{over(x, pat), strings.ToUpper(t.text), x, pat, not}, t.pos, t.src)
	}
	return x, nil
}

// parseBinary parses a left-associative chain of the operators in ops.
func (p *parser) parseBinary(ops []string, sub func() (node, error)) (node, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		found := false
		for _, op := range ops {
			found = found || t.is(op)
		}
		if !found {
			return l, nil
		}
		p.next()
		r, err := sub()
		if err != nil {
			return nil, err
		}
		if l, err = p.check(&binary{over(l, r), t.text, l, r}, t.pos, t.src); err != nil {
			return nil, err
		}
	}
}

func (p *parser) parseConcat() (node, error) { return p.parseBinary([]string{"||"}, p.parseAdd) }
func (p *parser) parseAdd() (node, error)    { return p.parseBinary([]string{"+", "-"}, p.parseMul) }
func (p *parser) parseMul() (node, error) {
	return p.parseBinary([]string{"*", "/", "%"}, p.parseUnary)
}

// parseUnary parses a leading sign.
func (p *parser) parseUnary() (node, error) {
	t := p.peek()
	if !t.is("-") && !t.is("+") {
		return p.parsePostfix()
	}
	p.next()
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.nest-- }()
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return p.check(&unary{over(x), t.text, x}, t.pos, t.src)
}

// parsePostfix parses a primary followed by any number of ::type casts.
func (p *parser) parsePostfix() (node, error) {
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for p.peek().is("::") {
		t := p.next()
		typ, err := p.parseType()
		if err != nil {
			return nil, err
		}
		if x, err = p.check(&cast{over(x), "CAST", x, typ}, t.pos, t.src); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (p *parser) parsePrimary() (node, error) {
	t := p.peek()
	switch t.kind {
	case tNumber:
		p.next()
		return &literal{1, t.text}, nil
	case tString:
		p.next()
		return &literal{1, quoteString(t.text)}, nil
	case tQIdent:
		p.next()
		if p.peek().is("(") {
			return nil, errorf(ErrForbidden, t.pos, t.src, "quoted function names are not allowed")
		}
		return p.column(t)
	case tEOF:
		return nil, errorf(ErrSyntax, t.pos, "", "unexpected end of expression")
	case tOp:
		if t.is("(") {
			p.next()
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			return x, p.expectClose(t)
		}
		if t.is(")") {
			return nil, errorf(ErrSyntax, t.pos, t.src, "unbalanced parenthesis: ) without a matching (")
		}
		return nil, errorf(ErrSyntax, t.pos, t.src, "unexpected '%s'", t.text)
	}
	upper := strings.ToUpper(t.text)
	next := p.peekAt(1)
	switch {
	case upper == "TRUE" || upper == "FALSE" || upper == "NULL":
		p.next()
		return &literal{1, upper}, nil
	case upper == "CASE":
		return p.parseCase()
	case (upper == "CAST" || upper == "TRY_CAST") && next.is("("):
		return p.parseCast()
	case (upper == "DATE" || upper == "TIMESTAMP" || upper == "INTERVAL") && next.kind == tString:
		return p.typedLiteral(upper)
	case next.kind == tString && next.pos == t.pos+len(t.src):
		return nil, errorf(ErrForbidden, t.pos, t.src+next.src, "prefixed string literal %s'...' is not allowed", t.src)
	case next.is("("):
		return p.parseCall()
	case grammarKeywords[upper]:
		return nil, errorf(ErrSyntax, t.pos, t.src, "unexpected keyword %s", upper)
	}
	p.next()
	return p.column(t)
}

// column resolves an identifier against the allowed columns.
func (p *parser) column(t token) (node, error) {
	name, ok := p.canon[strings.ToLower(t.text)]
	if !ok {
		msg := "unknown column " + quoteIdent(t.text)
		if s := closest(t.text, p.columns); s != "" {
			msg += "; did you mean " + quoteIdent(s) + "?"
		}
		return nil, errorf(ErrUnknownColumn, t.pos, t.src, "%s", msg)
	}
	if !p.seen[name] {
		p.seen[name] = true
		p.used = append(p.used, name)
	}
	return &column{1, name}, nil
}

// parseCall parses an allowlisted function call name(args...).
func (p *parser) parseCall() (node, error) {
	t := p.next()
	name := strings.ToLower(t.text)
	ar, ok := functions[name]
	if !ok {
		return nil, errorf(ErrForbidden, t.pos, t.src, "function %s is not allowed", t.text)
	}
	open := p.next()
	var args []node
	if !p.peek().is(")") {
		for {
			a, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if !p.peek().is(",") {
				break
			}
			p.next()
		}
	}
	if err := p.expectClose(open); err != nil {
		return nil, err
	}
	if len(args) < ar.min || (ar.max >= 0 && len(args) > ar.max) {
		want := "at least"
		switch {
		case ar.min == ar.max:
			want = "exactly"
		case ar.max >= 0:
			want = "at most"
			if len(args) < ar.min {
				want = "at least"
			}
		}
		bound := ar.min
		if want == "at most" {
			bound = ar.max
		}
		return nil, errorf(ErrSyntax, t.pos, t.src, "function %s takes %s %d argument(s), got %d", name, want, bound, len(args))
	}
	args, err := p.bound(name, args, t)
	if err != nil {
		return nil, err
	}
	return p.check(&call{over(args...), name, args}, t.pos, t.src)
}

// parseCase parses CASE [operand] WHEN c THEN v ... [ELSE e] END.
func (p *parser) parseCase() (node, error) {
	t := p.next()
	n := &caseExpr{}
	var err error
	if !p.peek().kw("WHEN") {
		if n.operand, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	for p.peek().kw("WHEN") {
		p.next()
		w, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if k := p.peek(); !k.kw("THEN") {
			return nil, errorf(ErrSyntax, k.pos, k.src, "expected THEN but found %s", describe(k))
		}
		p.next()
		v, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.whens, n.thens = append(n.whens, w), append(n.thens, v)
	}
	if len(n.whens) == 0 {
		k := p.peek()
		return nil, errorf(ErrSyntax, k.pos, k.src, "expected WHEN but found %s", describe(k))
	}
	if p.peek().kw("ELSE") {
		p.next()
		if n.els, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	if k := p.peek(); !k.kw("END") {
		return nil, errorf(ErrSyntax, k.pos, k.src, "expected END to close CASE at offset %d but found %s", t.pos, describe(k))
	}
	p.next()
	n.height = over(append(append([]node{n.operand, n.els}, n.whens...), n.thens...)...)
	return p.check(n, t.pos, t.src)
}

// parseCast parses CAST(x AS type) or TRY_CAST(x AS type).
func (p *parser) parseCast() (node, error) {
	t := p.next()
	open := p.next()
	x, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if k := p.peek(); !k.kw("AS") {
		return nil, errorf(ErrSyntax, k.pos, k.src, "expected AS in %s but found %s", strings.ToUpper(t.text), describe(k))
	}
	p.next()
	typ, err := p.parseType()
	if err != nil {
		return nil, err
	}
	if err := p.expectClose(open); err != nil {
		return nil, err
	}
	return p.check(&cast{over(x), strings.ToUpper(t.text), x, typ}, t.pos, t.src)
}

// parseType parses an allowlisted type name, with an optional
// (precision[, scale]) for DECIMAL and NUMERIC.
func (p *parser) parseType() (string, error) {
	t := p.next()
	upper := strings.ToUpper(t.text)
	if t.kind != tIdent || !castTypes[upper] {
		return "", errorf(ErrForbidden, t.pos, t.src, "type %s is not allowed in a cast", describe(t))
	}
	if (upper != "DECIMAL" && upper != "NUMERIC") || !p.peek().is("(") {
		return upper, nil
	}
	open := p.next()
	var parts []string
	for {
		n := p.next()
		if n.kind != tNumber || strings.ContainsAny(n.text, ".eE") || len(n.text) > 2 {
			return "", errorf(ErrSyntax, n.pos, n.src, "expected an integer precision or scale but found %s", describe(n))
		}
		parts = append(parts, n.text)
		if len(parts) == 2 || !p.peek().is(",") {
			break
		}
		p.next()
	}
	if err := p.expectClose(open); err != nil {
		return "", err
	}
	return upper + "(" + strings.Join(parts, ", ") + ")", nil
}

// typedLiteral parses DATE '...', TIMESTAMP '...' or INTERVAL '...',
// checking the string's shape.
func (p *parser) typedLiteral(typ string) (node, error) {
	p.next()
	s := p.next()
	ok := false
	switch typ {
	case "DATE":
		_, err := time.Parse("2006-01-02", s.text)
		ok = err == nil
	case "TIMESTAMP":
		for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05"} {
			if _, err := time.Parse(layout, s.text); err == nil {
				ok = true
				break
			}
		}
	case "INTERVAL":
		ok = s.text != "" && strings.Trim(s.text, "0123456789 .:+-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
	}
	if !ok {
		return nil, errorf(ErrSyntax, s.pos, s.src, "malformed %s literal", typ)
	}
	return &literal{1, typ + " " + quoteString(s.text)}, nil
}
