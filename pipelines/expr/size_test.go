package expr

import (
	"errors"
	"strings"
	"testing"
)

// Issue 13, case 20: functions whose size argument can explode are
// refused or capped.
func TestSizeBounds(t *testing.T) {
	cols := []string{"name", "phone"}
	for _, c := range []struct {
		src, want string // want: the SQL, or the error's words
		refused   bool
	}{
		{"length(lpad(name, 2000000000, 'x')) > 0", "pads to 2000000000 characters", true},
		{"length(rpad(name, 1e12, 'x')) > 0", "at most 1000", true},
		{"lpad(name, 10, '0') = '000000000a'", `lpad("name", 10, '0')`, false},
		{"length(lpad(name, length(phone) * 1000000, 'x')) > 0", `lpad("name", least((length("phone") * 1000000), 1000), 'x')`, false},
		{"replace(phone, ' ', '') = '+370'", `replace("phone", ' ', '')`, false},
		{"replace(replace(phone, ' ', ''), '-', '') = '+370'", `replace(replace("phone", ' ', ''), '-', '')`, false},
		{"length(regexp_replace(name, '', '" + strings.Repeat("x", 65) + "', 'g')) > 0", "at most 64", true},
		{"length(replace(replace(name, 'a', 'aaaa'), 'a', 'aaaa')) > 0", "one such replace", true},
		{"replace(name, 'a', name) = 'x'", "must be a string literal", true},
	} {
		e, err := Parse(c.src, cols)
		switch {
		case c.refused && (err == nil || !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want a limit error naming %q", c.src, err, c.want)
		case !c.refused && err != nil:
			t.Errorf("%s: %v", c.src, err)
		case !c.refused && !strings.Contains(e.SQL, c.want):
			t.Errorf("%s: SQL %s, want it to hold %s", c.src, e.SQL, c.want)
		}
	}
}
