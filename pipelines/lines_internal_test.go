package pipelines

import (
	"strings"
	"testing"
)

// The record scanner against files whose line structure is known by hand.
func TestIndexRecords(t *testing.T) {
	cases := []struct {
		name    string
		text    string
		header  int
		records int64
		shifts  []recordShift
	}{
		{"plain", "h\na\nb\nc\n", 1, 3, []recordShift{{1, 1}}},
		{"no final newline", "h\na\nb", 1, 2, []recordShift{{1, 1}}},
		{"crlf", "h\r\na\r\nb\r\n", 1, 2, []recordShift{{1, 1}}},
		// b spans lines 3-4: c is record 3 at physical line 5.
		{"quoted break", "h\na\n\"b\nb\"\nc\n", 1, 3, []recordShift{{1, 1}, {3, 2}}},
		{"blank lines", "h\na\n\n\nb\n", 1, 2, []recordShift{{1, 1}, {2, 3}}},
		{"doubled quotes", "h\n\"a \"\"x\"\"\ny\"\nb\n", 1, 2, []recordShift{{1, 1}, {2, 2}}},
		{"no header", "a\nb\n", 0, 2, []recordShift{{1, 0}}},
		// A quote inside an unquoted value is a character of it.
		{"inch mark", "h\na,12\" pizza\nb\nc\n", 1, 3, []recordShift{{1, 1}}},
		// After a closing quote and text, the reader goes on unquoted.
		{"text after quote", "h\n\"q\"z,\"a\nb\",7\nc\n", 1, 2, []recordShift{{1, 1}, {2, 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idx, err := indexRecords(strings.NewReader(c.text), '"', ',', c.header, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			shifts, n := idx.shifts, idx.records
			if n != c.records {
				t.Errorf("%d records, want %d", n, c.records)
			}
			if len(shifts) != len(c.shifts) {
				t.Fatalf("shifts %v, want %v", shifts, c.shifts)
			}
			for i := range shifts {
				if shifts[i] != c.shifts[i] {
					t.Errorf("shift %d = %+v, want %+v", i, shifts[i], c.shifts[i])
				}
			}
		})
	}
}

func TestRecordsAt(t *testing.T) {
	text := "h\nO1,\"x\ny\",1\n\nO2,b,2\r\nO3,c,3"
	got, err := recordsAt(strings.NewReader(text), '"', ',', []int64{5, 2, 6, 9}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{2: "O1,\"x\ny\",1", 5: "O2,b,2", 6: "O3,c,3"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for l, w := range want {
		if got[l] != w {
			t.Errorf("line %d: %q, want %q", l, got[l], w)
		}
	}
	long := "h\n" + strings.Repeat("x", 3*maxRecordBytes) + "\nnext\n"
	got, err = recordsAt(strings.NewReader(long), '"', ',', []int64{2, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got[2], "(truncated)") || len(got[2]) > maxRecordBytes+2<<20 || got[3] != "next" {
		t.Errorf("long line: %d bytes ending %q, next %q", len(got[2]), got[2][len(got[2])-20:], got[3])
	}
}

// Byte offsets to physical lines, line breaks only: an offset on the line
// break before a record (CRLF files) or on blank lines moves on to the
// next line with text.
func TestLinesAtOffsets(t *testing.T) {
	text := "h\r\nab\r\n\r\ncd\nef"
	// offsets: 0 h, 3 a, 2 (the \n of line 1), 7 (the blank line), 11 e
	got, err := linesAtOffsets(strings.NewReader(text), 0, []int64{11, 0, 3, 2, 7})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]int64{0: 1, 2: 2, 3: 2, 7: 4, 11: 5}
	for off, line := range want {
		if got[off] != line {
			t.Errorf("offset %d: line %d, want %d (%v)", off, got[off], line, got)
		}
	}
	long := strings.Repeat("x\n", 1<<20) + "y"
	got, err = linesAtOffsets(strings.NewReader(long), 0, []int64{int64(len(long) - 1), 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if got[int64(len(long)-1)] != 1<<20+1 || got[1<<20] != 1<<19+1 {
		t.Errorf("across buffers: %v", got)
	}
}
