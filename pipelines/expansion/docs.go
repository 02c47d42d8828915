package expansion

import (
	"fmt"

	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

func topN(cfg *config.Config) int {
	if cfg == nil || cfg.Expansion.TopN == 0 {
		return config.DefaultTopN
	}
	return cfg.Expansion.TopN
}

func col(name, typ, doc string) batch.ColumnDoc {
	return batch.ColumnDoc{Name: name, Type: typ, Doc: doc}
}

// Columns documents the customer-table columns the stage adds.
func Columns(cfg *config.Config) []batch.ColumnDoc {
	var out []batch.ColumnDoc
	for k := 1; k <= topN(cfg); k++ {
		out = append(out, col(OfferColumn(k), "VARCHAR", fmt.Sprintf("product_id of the customer's next best offer number %d (see next_best_offers); null when fewer offers (with product_id in orders)", k)))
	}
	return out
}

// Tables documents the tables the stage publishes.
func Tables(cfg *config.Config) []batch.TableDoc {
	return []batch.TableDoc{
		{Name: "affinity_rules", Writer: "parquet-go", Doc: "product pair association rules A -> B from baskets (orders), strongest first, that pass the expansion thresholds", Columns: []batch.ColumnDoc{
			col("rank", "BIGINT", "1 = highest lift (ties: confidence, then baskets_with_both)"),
			col("antecedent_product_id", "VARCHAR", "A"),
			col("consequent_product_id", "VARCHAR", "B"),
			col("baskets_with_both", "BIGINT", "n(A and B)"),
			col("antecedent_baskets", "BIGINT", "n(A)"),
			col("consequent_baskets", "BIGINT", "n(B)"),
			col("baskets", "BIGINT", "N, the baskets counted (orders with at most expansion.max_basket_size products)"),
			col("support", "DOUBLE", "n(A and B) / N"),
			col("confidence", "DOUBLE", "n(A and B) / n(A)"),
			col("lift", "DOUBLE", "confidence / (n(B) / N); 1 means independent"),
		}},
		{Name: "next_best_offers", Writer: "duckdb", Doc: "each customer's top expansion.top_n products not yet ordered, from the affinity rules", Columns: []batch.ColumnDoc{
			col("customer_id", "VARCHAR", ""),
			col("rank", "BIGINT", "1 = best offer"),
			col("product_id", "VARCHAR", "offered product, never one the customer ordered"),
			col("score", "DOUBLE", "confidence x lift of the strongest rule from an ordered product to this one"),
			col("because_product_id", "VARCHAR", "the ordered product of that rule"),
		}},
	}
}
