package expr

import (
	"strconv"
	"strings"
)

// Functions that make strings longer than their input are bounded, so
// that one row cannot ask for gigabytes (lpad(name, 2000000000, 'x') held
// 9.8 GB past a 4 GB memory_limit: DuckDB's limit covers its buffers, not
// a single expression's strings):
//
//   - lpad and rpad pad to at most MaxPad characters: a literal length over
//     it is refused, any other length is capped with least(length, MaxPad);
//   - replace and regexp_replace whose replacement can be longer than what
//     it replaces (regexp_replace: any non-empty replacement) grow the
//     string; their replacement must be a literal of at most MaxGrowth
//     characters, and an expression may hold one of them.
const (
	MaxPad    = 1000
	MaxGrowth = 64
)

// bound applies the size rules to a call of name with args.
func (p *parser) bound(name string, args []node, t token) ([]node, error) {
	switch name {
	case "lpad", "rpad":
		if v, ok := number(args[1]); ok {
			if v > MaxPad {
				return nil, errorf(ErrLimit, t.pos, t.src, "%s pads to %s characters; at most %d are allowed", name, strconv.FormatFloat(v, 'f', -1, 64), MaxPad)
			}
			return args, nil
		}
		capped := append([]node(nil), args...)
		capped[1] = &call{over(args[1]), "least", []node{args[1], &literal{1, strconv.Itoa(MaxPad)}}}
		return capped, nil
	case "replace", "regexp_replace":
		rep, ok := text(args[2])
		if !ok {
			return nil, errorf(ErrLimit, t.pos, t.src, "the replacement of %s must be a string literal", name)
		}
		pat, patOK := text(args[1])
		grows := rep != "" && (name == "regexp_replace" || !patOK || len(rep) > len(pat))
		if !grows {
			return args, nil
		}
		if len([]rune(rep)) > MaxGrowth {
			return nil, errorf(ErrLimit, t.pos, t.src, "the replacement of %s is %d characters; at most %d are allowed where it can lengthen the text", name, len([]rune(rep)), MaxGrowth)
		}
		p.growing++
		if p.growing > 1 {
			return nil, errorf(ErrLimit, t.pos, t.src, "%s would lengthen text that another replace already lengthened; an expression may hold one such replace", name)
		}
	}
	return args, nil
}

// number returns the value of a numeric literal (with an optional sign).
func number(n node) (float64, bool) {
	switch x := n.(type) {
	case *literal:
		v, err := strconv.ParseFloat(x.sql, 64)
		return v, err == nil
	case *unary:
		v, ok := number(x.x)
		if ok && x.op == "-" {
			v = -v
		}
		return v, ok && x.op != "NOT"
	}
	return 0, false
}

// text returns the value of a string literal.
func text(n node) (string, bool) {
	l, ok := n.(*literal)
	if !ok || !strings.HasPrefix(l.sql, "'") {
		return "", false
	}
	return strings.ReplaceAll(l.sql[1:len(l.sql)-1], "''", "'"), true
}
