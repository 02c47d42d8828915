package main

import (
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/crmbatch/crmbatch/pipelines/config"
)

// aliases are the column names CRM, shop and support exports use for each
// canonical column, normalised (lower case, letters and digits only). A
// canonical name matches itself.
var aliases = map[string][]string{
	"customer_id":         {"customerid", "custid", "clientid", "accountid", "customernumber", "customerno", "masterid", "contactid", "account", "accountname", "company"},
	"name":                {"fullname", "customername", "contactname", "clientname"},
	"email":               {"emailaddress", "mail", "contactemail"},
	"phone":               {"phonenumber", "mobile", "mobilephone", "tel", "telephone", "cellphone"},
	"address":             {"street", "addressline1", "streetaddress"},
	"city":                {"town"},
	"country":             {"countrycode", "officelocation"},
	"signup_date":         {"signupdate", "registrationdate", "registered", "joined", "customersince", "createddate"},
	"acquisition_channel": {"acquisitionchannel", "acquisitionsource", "channel"},
	"acquisition_cost":    {"cac"},
	"birth_date":          {"birthdate", "dob", "dateofbirth", "birthday"},
	"partner_id":          {"partner", "referrer"},
	"email_opt_in":        {"emailoptin", "emailconsent", "acceptsemailmarketing", "acceptsmarketing", "newsletter"},
	"sms_opt_in":          {"smsoptin", "smsconsent", "acceptssmsmarketing"},
	"social_handle":       {"twitter", "instagram"},
	"order_id":            {"orderid", "invoiceno", "invoice", "invoiceid", "invoicenumber", "ordernumber", "orderno", "transactionid"},
	"line_no":             {"lineno", "linenumber", "lineitem", "line"},
	"order_ts":            {"orderdate", "invoicedate", "orderdatetime", "transactiondate", "purchasedate", "date", "createdat"},
	"product_id":          {"productid", "stockcode", "sku", "itemid", "productcode", "product"},
	"category":            {"productcategory", "categoryname"},
	"quantity":            {"qty", "units", "cds"},
	"revenue":             {"sales", "linetotal", "netamount", "total", "totalprice", "amount"},
	"cost":                {"cogs", "costofgoods"},
	"sales_rep":           {"salesrep", "salesagent", "seller", "salesperson"},
	"interaction_id":      {"interactionid", "ticketid", "eventid", "activityid"},
	"ts":                  {"timestamp", "eventtime", "eventdate", "activitydate", "date", "createdat"},
	"type":                {"eventtype", "interactiontype", "activitytype", "kind"},
	"value":               {"score", "npsscore", "rating"},
	"lead_id":             {"leadid", "prospectid", "leadnumber"},
	"created_ts":          {"createdts", "createdat", "createddate", "leaddate", "date"},
	"source":              {"leadsource", "origin", "leadorigin"},
	"industry":            {"sector", "specialization"},
	"company_size":        {"companysize", "employees", "numberofemployees"},
	"pages_viewed":        {"pagesviewed", "pageviews", "pageviewspervisit"},
	"visits":              {"totalvisits", "sessions"},
	"time_on_site":        {"timeonsite", "totaltimespentonwebsite", "sessionduration"},
	"free_email":          {"freeemail"},
	"converted":           {"isconverted", "won"},
	"converted_ts":        {"convertedts", "converteddate", "conversiondate"},
	"opportunity_id":      {"opportunityid", "dealid", "oppid"},
	"stage":               {"dealstage", "stagename", "pipelinestage"},
	"stage_ts":            {"stagets", "engagedate", "stagedate", "createdate", "createdat"},
	"amount":              {"closevalue", "dealvalue", "dealamount", "value"},
	"close_ts":            {"closets", "closedate", "closedat"},
	"outcome":             {"result", "status"},
	"owner":               {"dealowner", "salesagent", "salesrep", "owneremail"},
	"subscription_id":     {"subscriptionid", "contractid"},
	"plan":                {"planname", "tier", "contract"},
	"start_date":          {"startdate", "start", "startedat", "subscriptionstart"},
	"end_date":            {"enddate", "end", "endedat", "cancelledat", "canceldate", "churndate"},
	"recurring_revenue":   {"recurringrevenue", "mrr", "monthlycharges", "monthlyfee"},
}

// fileWords are words in file names that name a table.
var fileWords = map[string][]string{
	"customers":     {"customer", "client", "account", "contact", "member"},
	"orders":        {"order", "sale", "invoice", "transaction", "retail", "purchase", "elog"},
	"interactions":  {"interaction", "ticket", "event", "activit", "support", "nps"},
	"leads":         {"lead", "prospect"},
	"opportunities": {"opportunit", "pipeline", "deal"},
	"subscriptions": {"subscription", "contract", "churn", "plan"},
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

func norm(s string) string { return nonAlnum.ReplaceAllString(strings.ToLower(s), "") }

// bestTable picks the input table whose columns and name fit the file best.
func bestTable(path string, header []string) string {
	name := strings.ToLower(filepath.Base(path))
	best, bestScore := "orders", -1
	for _, t := range config.Contract {
		g := &guess{table: t.Name, header: header, mapped: map[string]string{}}
		g.match()
		score := 0
		for _, f := range t.Fields {
			if _, ok := g.mapped[f.Name]; ok {
				score++
				if f.Required {
					score += 2
				}
			}
		}
		for _, w := range fileWords[t.Name] {
			if strings.Contains(name, w) {
				score += 6
				break
			}
		}
		if score > bestScore {
			best, bestScore = t.Name, score
		}
	}
	return best
}

// match maps the table's canonical columns onto the header: the same name
// first, then the aliases in their order, each source column used once.
func (g *guess) match() {
	t := config.TableByName(g.table)
	byNorm := map[string]string{}
	for _, h := range g.header {
		if _, ok := byNorm[norm(h)]; !ok {
			byNorm[norm(h)] = h
		}
	}
	used := map[string]bool{}
	for pass := 0; pass < 2; pass++ {
		for _, f := range t.Fields {
			if _, ok := g.mapped[f.Name]; ok {
				continue
			}
			cands := []string{norm(f.Name)}
			if pass == 1 {
				cands = aliases[f.Name]
			}
			for _, c := range cands {
				if h, ok := byNorm[c]; ok && !used[h] {
					g.mapped[f.Name], used[h] = h, true
					break
				}
			}
		}
	}
	// Transaction lines often carry quantity and unit price, not the amount.
	if _, ok := g.mapped["revenue"]; !ok && g.table == "orders" {
		price := ""
		for _, c := range []string{"unitprice", "price", "priceeach", "itemprice"} {
			if h, ok := byNorm[c]; ok {
				price = h
				break
			}
		}
		if q, ok := g.mapped["quantity"]; ok && price != "" {
			g.mapped["revenue"] = quoteIdent(q) + " * " + quoteIdent(price)
		}
	}
}

func quoteIdent(s string) string {
	if regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// dateLayouts pairs Go layouts with the strptime formats DuckDB reads; ISO
// dates need no format.
var dateLayouts = []struct{ layout, strptime string }{
	{"20060102", "%Y%m%d"},
	{"02.01.2006", "%d.%m.%Y"},
	{"2.1.2006", "%d.%m.%Y"},
	{"02/01/2006", "%d/%m/%Y"},
	{"01/02/2006", "%m/%d/%Y"},
	{"2/1/2006", "%d/%m/%Y"},
	{"1/2/2006", "%m/%d/%Y"},
	{"02-01-2006", "%d-%m-%Y"},
}

var timeSuffixes = []struct{ layout, strptime string }{{"", ""}, {" 15:04", " %H:%M"}, {" 15:04:05", " %H:%M:%S"}}

// formats reads the first rows of the mapped date and timestamp columns
// and of the numbers, for date_format, timestamp_format and decimal.
func (g *guess) formats() {
	t := config.TableByName(g.table)
	col := map[string]int{}
	for i, h := range g.header {
		col[h] = i
	}
	for _, f := range t.Fields {
		src, ok := g.mapped[f.Name]
		i, direct := col[src]
		if !ok || !direct {
			continue
		}
		var vals []string
		for _, r := range g.rows {
			if i < len(r) && strings.TrimSpace(r[i]) != "" {
				vals = append(vals, strings.TrimSpace(r[i]))
			}
		}
		if len(vals) == 0 {
			continue
		}
		switch f.Type {
		case "VARCHAR":
			// Ids that went through a spreadsheet or pandas: 17850.0.
			if strings.HasSuffix(f.Name, "_id") && allMatch(vals, floatID) {
				g.mapped[f.Name] = "regexp_replace(CAST(" + quoteIdent(src) + " AS VARCHAR), '\\.0$', '')"
				g.cleaned = append(g.cleaned, f.Name)
			}
		case "DATE", "TIMESTAMP":
			fmt := dateFormat(vals)
			if f.Type == "DATE" && g.dateFmt == "" {
				g.dateFmt = fmt
			}
			if f.Type == "TIMESTAMP" && g.tsFmt == "" {
				g.tsFmt = fmt
			}
		case "DOUBLE":
			if g.delim == ";" && regexp.MustCompile(`^-?[0-9]+,[0-9]+$`).MatchString(vals[0]) {
				g.decimalComma = true
			}
		}
	}
}

// dateFormat returns the strptime format all vals follow, "" when they are
// ISO or follow none of the known layouts.
func dateFormat(vals []string) string {
	iso := true
	for _, v := range vals {
		if _, err := time.Parse(time.DateOnly, v[:min(len(v), 10)]); err != nil || (len(v) > 10 && v[10] != ' ' && v[10] != 'T') {
			iso = false
		}
	}
	if iso {
		return ""
	}
	for _, d := range dateLayouts {
		for _, s := range timeSuffixes {
			ok := true
			for _, v := range vals {
				if _, err := time.Parse(d.layout+s.layout, v); err != nil {
					ok = false
					break
				}
			}
			if ok {
				return d.strptime + s.strptime
			}
		}
	}
	return ""
}

func sortStrings(s []string) { sort.Strings(s) }

// floatID is an id written as a float: 17850.0.
var floatID = regexp.MustCompile(`^[0-9]+\.0$`)

func allMatch(vals []string, re *regexp.Regexp) bool {
	for _, v := range vals {
		if !re.MatchString(v) {
			return false
		}
	}
	return len(vals) > 0
}
