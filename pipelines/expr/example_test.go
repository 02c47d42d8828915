package expr_test

import (
	"fmt"

	"github.com/crmbatch/crmbatch/pipelines/expr"
)

func ExampleParse() {
	cols := []string{"churn_probability", "Country", "email_opt_in"}
	e, err := expr.Parse("churn_probability > 0.6 and country in ('LT', 'BD') and not email_opt_in = false", cols)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.SQL)
	fmt.Println(e.Columns)

	_, err = expr.Parse("1); DROP TABLE customers; --", cols)
	fmt.Println(err)
	_, err = expr.Parse("read_csv('/etc/passwd')", cols)
	fmt.Println(err)
	_, err = expr.Parse("contry = 'LT'", cols)
	fmt.Println(err)
	// Output:
	// ((("churn_probability" > 0.6) AND ("Country" IN ('LT', 'BD'))) AND (NOT ("email_opt_in" = FALSE)))
	// [churn_probability Country email_opt_in]
	// expr: statement separator ';' is not allowed at offset 2 near ";"
	// expr: function read_csv is not allowed at offset 0 near "read_csv"
	// expr: unknown column "contry"; did you mean "Country"? at offset 0 near "contry"
}
