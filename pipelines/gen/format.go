package gen

import (
	"math"
	"strconv"
)

// This file holds the allocation-free appenders that every table writer
// uses. They produce exactly the documented text forms: '.' decimals, dates
// as 2006-01-02, timestamps as 2006-01-02 15:04:05 (UTC), booleans as
// true/false, and RFC 4180 quoting for fields that need it.

// civil converts days since 1970-01-01 to a proleptic Gregorian date.
// It is Howard Hinnant's days-to-civil algorithm
// (http://howardhinnant.github.io/date_algorithms.html#civil_from_days).
func civil(days int64) (y, m, d int64) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func append2(b []byte, v int64) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}

// appendDate appends the UTC calendar date of unix second sec as 2006-01-02.
func appendDate(b []byte, sec int64) []byte {
	y, m, d := civil(floorDiv(sec, 86400))
	b = append2(b, y/100)
	b = append2(b, y%100)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

// appendTS appends unix second sec as 2006-01-02 15:04:05 (UTC).
func appendTS(b []byte, sec int64) []byte {
	b = appendDate(b, sec)
	s := sec - floorDiv(sec, 86400)*86400
	b = append(b, ' ')
	b = append2(b, s/3600)
	b = append(b, ':')
	b = append2(b, s/60%60)
	b = append(b, ':')
	return append2(b, s%60)
}

// appendMoney appends v with two decimals.
func appendMoney(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, v, 'f', 2, 64)
}

// appendCents appends an integer amount of cents as a decimal with two
// places, exactly (no float rounding).
func appendCents(b []byte, c int64) []byte {
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	b = append(b, '.')
	return append2(b, c%100)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// appendID appends prefix followed by the decimal n.
func appendID(b []byte, prefix string, n int64) []byte {
	b = append(b, prefix...)
	return strconv.AppendInt(b, n, 10)
}

// appendField appends s, quoted per RFC 4180 when it holds a comma, a
// quote, CR or LF, or starts with a space.
func appendField(b []byte, s string) []byte {
	need := len(s) > 0 && s[0] == ' '
	for i := 0; i < len(s) && !need; i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			need = true
		}
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// round2 rounds to cents.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
