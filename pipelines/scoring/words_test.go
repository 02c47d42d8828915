package scoring

import "testing"

// Issue 12, item 14: reasons in the words a person uses.
func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"revenue_prev_90d high (+1.26)":      "revenue in the 90 days before the last 90 is high (+1.26)",
		"purchase_days_90d low (-0.31)":      "purchase days in the last 90 days is low (-0.31)",
		"log1p(time_on_site) high (+0.36)":   "time on site is high (+0.36)",
		"days_since_last_order high (+0.84)": "days since the last purchase is high (+0.84)",
		"source = referral (+0.70)":          "source is referral (+0.70)",
		"source = (missing) (+0.12)":         "source is unknown (+0.12)",
		"country = (other) (-0.08)":          "country is one of the rare ones (-0.08)",
		"last_nps missing (+0.20)":           "last NPS is unknown (+0.20)",
		"free_email high (-0.50)":            "free email address: yes (-0.50)",
		"age_in_stage_days high (+2.33)":     "days in the current stage is high (+2.33)",
		"support_ticket_90d high (+0.41)":    "support tickets in the last 90 days is high (+0.41)",
		"probability_alive low (+0.95)":      "chance the customer is still active is low (+0.95)",
		"something else":                     "something else",
	} {
		got := Words(in)
		if got != want {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
		// Published reasons are already in words: explain must not word
		// them twice ("... is is high").
		if again := Words(got); again != got {
			t.Errorf("Words(%q) = %q: a reason in words is worded again", got, again)
		}
	}
}
