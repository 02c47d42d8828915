package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// IntGroups groups runs of equal keys, across Arrow batches (the query has
// 12,000 rows, about six batches), with values as INTEGER or BIGINT.
func TestIntGroups(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	// key k (0..2999) has the values k*10 .. k*10+k%7: 1 to 7 rows each.
	keys, groups, err := db.IntGroups(ctx, `SELECT k::BIGINT AS k, (k * 10 + j)::INTEGER AS v
FROM range(0, 3000) a(k), range(0, 7) b(j) WHERE j <= k % 7 ORDER BY k, v`)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3000 || len(groups) != 3000 {
		t.Fatalf("%d keys, %d groups; want 3000", len(keys), len(groups))
	}
	total := 0
	for g, k := range keys {
		if k != int64(g) {
			t.Fatalf("key %d is %d", g, k)
		}
		want := int(k%7) + 1
		if len(groups[g]) != want {
			t.Fatalf("key %d: %d values, want %d", k, len(groups[g]), want)
		}
		for j, v := range groups[g] {
			if v != int32(k*10)+int32(j) {
				t.Fatalf("key %d value %d is %d", k, j, v)
			}
		}
		total += len(groups[g])
	}
	if total < 2048*4 {
		t.Fatalf("only %d rows: the test must span several Arrow batches", total)
	}
	// Appending to one group must not overwrite the next.
	groups[0] = append(groups[0], -1)
	if groups[1][0] != 10 {
		t.Fatalf("append to group 0 changed group 1: %v", groups[1])
	}

	_, big, err := db.IntGroups(ctx, "SELECT 1::BIGINT, 5::BIGINT UNION ALL SELECT 1, 6 UNION ALL SELECT 2, 7 ORDER BY 1, 2")
	if err != nil || fmt.Sprint(big) != "[[5 6] [7]]" {
		t.Fatalf("BIGINT values: %v, %v", big, err)
	}
	for q, want := range map[string]string{
		"SELECT 1::BIGINT, NULL::INTEGER":      "has nulls",
		"SELECT 1::BIGINT, 5000000000::BIGINT": "does not fit in 32 bits",
		"SELECT 1::BIGINT":                     "two columns",
		"SELECT 'a', 1":                        "not BIGINT",
		"SELECT 1::BIGINT, 'x'":                "not INTEGER or BIGINT",
	} {
		if _, _, err := db.IntGroups(ctx, q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", q, err, want)
		}
	}
}
