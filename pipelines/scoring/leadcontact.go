package scoring

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// leadContact is what a sales rep needs beside a lead's score: its
// company, its owner and how to reach it, read from the leads source's own
// columns when it has them (the input contract does not carry them).
type leadContact struct {
	cols string // company, owner, contact
	join string
}

// contactNames are the source column names (lower case, letters and
// digits only) read as each field, in order of preference.
var contactNames = []struct {
	field string
	names []string
}{
	{"company", []string{"company", "companyname", "account", "accountname", "organization", "organisation", "employer"}},
	{"owner", []string{"owner", "leadowner", "salesrep", "salesagent", "assignedto", "accountmanager"}},
	{"contact", []string{"email", "emailaddress", "contactemail", "phone", "phonenumber", "mobile", "contact"}},
}

// leadContactSQL finds those columns in the leads source; the fields it
// cannot find are null.
func leadContactSQL(ctx context.Context, b *batch.Batch) (leadContact, error) {
	none := leadContact{cols: "NULL::VARCHAR AS company, NULL::VARCHAR AS owner, NULL::VARCHAR AS contact"}
	raw, err := leadSourceSQL(b.Cfg)
	if err != nil {
		return none, nil // a source it cannot read as it is (another encoding): no extra fields
	}
	header, err := b.DB.Strings(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+raw+")")
	if err != nil {
		return none, nil
	}
	byNorm := map[string]string{}
	for _, h := range header {
		k := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, strings.ToLower(h))
		if _, ok := byNorm[k]; !ok {
			byNorm[k] = h
		}
	}
	key := engine.Ident("lead_id")
	if src := b.Cfg.Sources["leads"]; src != nil && src.Columns["lead_id"] != "" {
		key = src.Columns["lead_id"]
		for _, h := range header {
			if strings.EqualFold(h, strings.Trim(src.Columns["lead_id"], `"`)) {
				key = engine.Ident(h)
			}
		}
	}
	var sel, out []string
	found := false
	for _, c := range contactNames {
		col := ""
		for _, n := range c.names {
			if h, ok := byNorm[n]; ok {
				col = h
				break
			}
		}
		if col == "" {
			out = append(out, "NULL::VARCHAR AS "+c.field)
			continue
		}
		found = true
		sel = append(sel, fmt.Sprintf("any_value(nullif(trim(CAST(%s AS VARCHAR)), '')) AS %s", engine.Ident(col), c.field))
		out = append(out, "lc."+c.field)
	}
	if !found {
		return none, nil
	}
	return leadContact{cols: strings.Join(out, ", "),
		join: fmt.Sprintf("LEFT JOIN (SELECT CAST(%s AS VARCHAR) AS _key, %s FROM %s GROUP BY 1) lc ON lc._key = l.lead_id", key, strings.Join(sel, ", "), raw)}, nil
}
