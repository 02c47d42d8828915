package scoring

import (
	"context"
	"fmt"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/clv"
)

// leadValue is how lead_scores gets expected_clv and expected_value: the
// predicted CLV of a new customer with the lead's traits, from the clv
// stage's acquisition_value (clv.AcquisitionTable), times the lead's
// conversion probability, so that sales can rank leads by value and not
// only by probability. The trait is the lead's source: the mean predicted
// CLV of the new customers whose first lead had that source, when at
// least minSourceCustomers of them back it, else the mean over all new
// customers. Both are null when the clv stage did not run.
type leadValue struct {
	join string // joined to "scoring_lead_model s JOIN leads l"
	cols string // expected_clv, expected_value
}

// minSourceCustomers is the number of new customers from a lead source
// that its mean CLV needs to stand for the source.
const minSourceCustomers = 30

func leadValueSQL(ctx context.Context, b *batch.Batch) (leadValue, error) {
	n, err := b.DB.Int(ctx, "SELECT count(*) FROM duckdb_tables() WHERE table_name = "+engine.Quote(clv.AcquisitionTable))
	if err != nil {
		return leadValue{}, err
	}
	if n == 0 {
		return leadValue{cols: "CAST(NULL AS DOUBLE) AS expected_clv, CAST(NULL AS DOUBLE) AS expected_value"}, nil
	}
	t := clv.AcquisitionTable
	return leadValue{
		join: `LEFT JOIN (SELECT level, mean_clv FROM ` + t + ` WHERE dimension = 'lead_source' AND new_customers >= ` + fmt.Sprint(minSourceCustomers) + `) av
	ON av.level = coalesce(l.source, '(missing)')
LEFT JOIN (SELECT mean_clv FROM ` + t + ` WHERE dimension = 'all') av_all ON true`,
		cols: "coalesce(av.mean_clv, av_all.mean_clv) AS expected_clv, s.conversion_probability * coalesce(av.mean_clv, av_all.mean_clv) AS expected_value",
	}, nil
}
