package expr

import (
	"strings"
	"unicode/utf8"
)

// kind is a token's lexical class.
type kind int

const (
	tEOF    kind = iota
	tIdent       // bare identifier or keyword
	tQIdent      // "double quoted" identifier; text is the unescaped name
	tNumber      // numeric literal; text is the source spelling
	tString      // 'string' literal; text is the unescaped value
	tOp          // operator or punctuation
)

// token is one lexical token. pos is its byte offset in the source and src
// its source text, used in error messages.
type token struct {
	kind kind
	text string
	pos  int
	src  string
}

// operators lists the accepted operator spellings, longest first.
var operators = []string{
	"::", "<=", ">=", "<>", "!=", "==", "||",
	"+", "-", "*", "/", "%", "(", ")", ",", "=", "<", ">",
}

// tokenize splits src into tokens, refusing comments, ';', characters
// outside the subset and malformed literals.
func tokenize(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			word := src[i:j]
			if statementKeywords[strings.ToUpper(word)] {
				return nil, errorf(ErrForbidden, i, word, "SQL keyword %s is not allowed in an expression", strings.ToUpper(word))
			}
			toks = append(toks, token{kind: tIdent, text: word, pos: i, src: word})
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			j, err := scanNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tNumber, text: src[i:j], pos: i, src: src[i:j]})
			i = j
		case c == '\'' || c == '"':
			val, j, err := scanQuoted(src, i)
			if err != nil {
				return nil, err
			}
			k := tString
			if c == '"' {
				k = tQIdent
			}
			toks = append(toks, token{kind: k, text: val, pos: i, src: src[i:j]})
			i = j
		case strings.HasPrefix(src[i:], "--"):
			return nil, errorf(ErrForbidden, i, "--", "SQL comments are not allowed")
		case strings.HasPrefix(src[i:], "/*"):
			return nil, errorf(ErrForbidden, i, "/*", "SQL comments are not allowed")
		case c == ';':
			return nil, errorf(ErrForbidden, i, ";", "statement separator ';' is not allowed")
		default:
			op := matchOperator(src[i:])
			if op == "" {
				return nil, badChar(src, i)
			}
			toks = append(toks, token{kind: tOp, text: op, pos: i, src: op})
			i += len(op)
		}
	}
	toks = append(toks, token{kind: tEOF, pos: len(src)})
	return toks, nil
}

// scanNumber scans digits [. digits] [e [+-] digits] from i and returns the
// end offset. A number directly followed by a letter, digit or dot (1abc,
// 0x10, 1.2.3) is refused: DuckDB would read 1abc as 1 AS abc.
func scanNumber(src string, i int) (int, error) {
	j := i
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	if j < len(src) && src[j] == '.' {
		j++
		if j >= len(src) || !isDigit(src[j]) {
			return 0, errorf(ErrSyntax, i, src[i:j], "malformed number: digits must follow the decimal point")
		}
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(src[k]) {
			for k < len(src) && isDigit(src[k]) {
				k++
			}
			j = k
		}
	}
	if j < len(src) && (isIdentPart(src[j]) || src[j] == '.') {
		end := j + 1
		for end < len(src) && (isIdentPart(src[end]) || src[end] == '.') {
			end++
		}
		return 0, errorf(ErrSyntax, i, src[i:end], "malformed number")
	}
	return j, nil
}

// scanQuoted scans a quoted literal or identifier starting at the quote
// src[i], where a doubled quote stands for itself, and returns its unescaped
// value and end offset.
func scanQuoted(src string, i int) (string, int, error) {
	q := src[i]
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		c := src[j]
		if c == q {
			if j+1 < len(src) && src[j+1] == q {
				b.WriteByte(q)
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		}
		r, size := utf8.DecodeRuneInString(src[j:])
		if err := checkRune(src, j, r, size); err != nil {
			return "", 0, err
		}
		b.WriteString(src[j : j+size])
		j += size
	}
	what := "string literal"
	if q == '"' {
		what = "quoted identifier"
	}
	return "", 0, errorf(ErrSyntax, i, src[i:], "unterminated %s", what)
}

// checkRune refuses characters that have no place even inside quotes:
// invalid UTF-8, control characters other than tab and newline, and the
// invisible and bidirectional-control characters used to make text read
// differently from how it parses.
func checkRune(src string, j int, r rune, size int) error {
	switch {
	case r == utf8.RuneError && size <= 1:
		return errorf(ErrForbidden, j, src[j:j+1], "invalid UTF-8")
	case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
		return errorf(ErrForbidden, j, src[j:j+size], "control character U+%04X is not allowed", r)
	case r >= 0x80 && r <= 0x9f,
		r == 0x00ad, r == 0x061c, r == 0x180e,
		r >= 0x200b && r <= 0x200f,
		r >= 0x2028 && r <= 0x202e,
		r >= 0x2060 && r <= 0x206f,
		r == 0xfeff, r >= 0xfff9 && r <= 0xfffb:
		return errorf(ErrForbidden, j, src[j:j+size], "invisible or bidirectional control character U+%04X is not allowed", r)
	}
	return nil
}

// badChar reports an unexpected character outside quotes.
func badChar(src string, i int) error {
	r, size := utf8.DecodeRuneInString(src[i:])
	if err := checkRune(src, i, r, size); err != nil {
		return err
	}
	if r >= utf8.RuneSelf {
		return errorf(ErrForbidden, i, src[i:i+size], "non-ASCII character U+%04X outside quotes is not allowed", r)
	}
	return errorf(ErrForbidden, i, src[i:i+size], "unexpected character %q", r)
}

// matchOperator returns the operator at the start of s, or "".
func matchOperator(s string) string {
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			return op
		}
	}
	return ""
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
