package scoring

import (
	"fmt"
	"regexp"
	"strings"
)

// Words rewrites a reason in the technical form of runs published before
// reasons were worded where they are made ("revenue_prev_90d high (+1.26)",
// "log1p(time_on_site) low (-0.40)", "source = referral (+0.70)",
// "last_nps missing (+0.20)") in the words a person uses: "revenue in the
// 90 days before the last 90 is high (+1.26)", "time on site is low
// (-0.40)", "source is referral (+0.70)", "last NPS is unknown (+0.20)".
// The signed number is the contribution to the log-odds. A reason already
// in words, and text it does not recognise, are returned as they are, so
// Words(Words(r)) == Words(r).
func Words(reason string) string {
	if m := levelReason.FindStringSubmatch(reason); m != nil {
		if strings.HasSuffix(m[1], " is") {
			return reason // "... is high (+1.26)": already in words
		}
		return levelWords(m[1], m[2], m[3])
	}
	if m := levelEquals.FindStringSubmatch(reason); m != nil {
		return categoryWords(m[1], m[2], m[3])
	}
	return reason
}

// levelWords words a numeric feature f whose value is high, low or
// missing, with its signed contribution v ("(+1.26)").
func levelWords(f, level, v string) string {
	name := Feature(f)
	if yesNo[strings.TrimSuffix(strings.TrimPrefix(f, "log1p("), ")")] && level != "missing" {
		return fmt.Sprintf("%s: %s %s", name, map[string]string{"high": "yes", "low": "no"}[level], v)
	}
	return fmt.Sprintf("%s is %s %s", name, map[string]string{"high": "high", "low": "low", "missing": "unknown"}[level], v)
}

// categoryWords words the level value of a categorical feature f with its
// signed contribution v.
func categoryWords(f, value, v string) string {
	switch value {
	case "(missing)":
		value = "unknown"
	case "(other)":
		value = "one of the rare ones"
	}
	return fmt.Sprintf("%s is %s %s", Feature(f), value, v)
}

var (
	levelReason = regexp.MustCompile(`^(.+?) (high|low|missing) (\([+-][0-9.]+\))$`)
	levelEquals = regexp.MustCompile(`^([^=]+?) = (.*) (\([+-][0-9.]+\))$`)
	window      = regexp.MustCompile(`^(.+?)_(prev_)?(\d+)d$`)
)

// yesNo are 0/1 features: "high" means yes.
var yesNo = map[string]bool{"free_email": true, "subscriber": true, "converted": true, "email_opt_in": true, "sms_opt_in": true}

// features names the features whose column names do not read as words.
var features = map[string]string{
	"days_since_last_order":    "days since the last purchase",
	"days_since_last_purchase": "days since the last purchase",
	"frequency":                "repeat purchases",
	"recency":                  "time from the first to the last purchase",
	"T":                        "time since the first purchase",
	"monetary_value":           "average repeat purchase value",
	"avg_purchase_value":       "average purchase value",
	"probability_alive":        "chance the customer is still active",
	"mean_days_between_orders": "days between orders",
	"tenure_days":              "tenure",
	"age_in_stage_days":        "days in the current stage",
	"days_to_stage":            "days from the first stage to this one",
	"amount":                   "deal amount",
	"last_nps":                 "last NPS",
	"free_email":               "free email address",
	"time_on_site":             "time on site",
	"pages_viewed":             "pages viewed",
	"support_tickets":          "support tickets",
	"support_ticket":           "support tickets",
	"complaint":                "complaints",
	"email_open":               "email opens",
	"email_click":              "email clicks",
	"web_visit":                "web visits",
	"social_mention":           "social mentions",
}

// Feature names a model feature in words: "revenue_prev_90d" is "revenue
// in the 90 days before the last 90", "log1p(time_on_site)" is "time on
// site".
func Feature(f string) string {
	if inner, ok := strings.CutPrefix(f, "log1p("); ok {
		f = strings.TrimSuffix(inner, ")")
	}
	if w, ok := features[f]; ok {
		return w
	}
	if m := window.FindStringSubmatch(f); m != nil {
		base := Feature(m[1])
		if m[2] != "" {
			return fmt.Sprintf("%s in the %s days before the last %s", base, m[3], m[3])
		}
		return fmt.Sprintf("%s in the last %s days", base, m[3])
	}
	return strings.ReplaceAll(f, "_", " ")
}
