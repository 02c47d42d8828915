package segments

import (
	"fmt"
	"sort"
	"strings"

	"github.com/crmbatch/crmbatch/engine"
	"github.com/crmbatch/crmbatch/pipelines/batch"
)

// ContactsTable is the published table of contact data: what the export
// presets send to email, SMS and advertising tools, normalised once per
// run from the customers input. It is personal data and kept apart from
// the customer table, so that BI tools see it only when allowed (see
// ops.BuildCatalog).
const ContactsTable = "contacts"

// Contact normalisation, as the tools that import the files expect it:
//
//   - first_name is the name up to its first space, last_name the rest
//     (null for a one-word name);
//   - an email is valid when, trimmed, it is one address
//     (something@domain.tld, no second @, no spaces); it is exported
//     lower-cased and trimmed, and email_sha256 is the SHA-256 of
//     that form (Google Customer Match and Meta Custom Audiences);
//   - a phone is read with its spaces, dots, dashes and parentheses
//     removed; "+" or "00" starts an international number; a national
//     number (leading 0 dropped) takes the calling code of the customer's
//     country (ISO 3166 alpha-2, CallingCodes). The result is E.164, +
//     and 8 to 15 digits, or the phone is invalid. phone_sha256 hashes the
//     E.164 form with its + (Google Customer Match), phone_digits_sha256
//     the digits alone (Meta Custom Audiences).
const contactsSQL = `SELECT customer_id,
	nullif(split_part(trim(name), ' ', 1), '') AS first_name,
	nullif(trim(substr(trim(name), length(split_part(trim(name), ' ', 1)) + 1)), '') AS last_name,
	CASE WHEN regexp_full_match(p, '\+[1-9][0-9]{7,14}') THEN p END AS phone,
	coalesce(regexp_full_match(p, '\+[1-9][0-9]{7,14}'), false) AS phone_valid,
	CASE WHEN regexp_matches(trim(email), '^[^@\s]+@[^@\s]+\.[^@\s]+$') THEN sha256(lower(trim(email))) END AS email_sha256,
	CASE WHEN regexp_full_match(p, '\+[1-9][0-9]{7,14}') THEN sha256(p) END AS phone_sha256,
	CASE WHEN regexp_full_match(p, '\+[1-9][0-9]{7,14}') THEN sha256(substr(p, 2)) END AS phone_digits_sha256
FROM (SELECT *, CASE
		WHEN d IS NULL OR d = '' THEN NULL
		WHEN starts_with(d, '+') THEN '+' || replace(d, '+', '')
		WHEN starts_with(d, '00') THEN '+' || substr(d, 3)
		WHEN cc IS NOT NULL THEN '+' || cc || ltrim(d, '0')
	END AS p
	FROM (SELECT c.*, regexp_replace(trim(c.phone), '[\s.\-()/]', '', 'g') AS d, k.cc
		FROM customers c LEFT JOIN (VALUES %s) k(iso, cc) ON k.iso = upper(trim(c.country))))
ORDER BY customer_id`

// ContactsSQL returns the query of the contacts table over the canonical
// customers table.
func ContactsSQL() string {
	codes := make([]string, 0, len(CallingCodes))
	for iso := range CallingCodes {
		codes = append(codes, iso)
	}
	sort.Strings(codes)
	vals := make([]string, len(codes))
	for i, iso := range codes {
		vals[i] = fmt.Sprintf("(%s, %s)", engine.Quote(iso), engine.Quote(CallingCodes[iso]))
	}
	return fmt.Sprintf(contactsSQL, strings.Join(vals, ", "))
}

// contactColumns documents the contacts table.
var contactColumns = []batch.ColumnDoc{
	col("customer_id", "VARCHAR", ""),
	col("first_name", "VARCHAR", "name up to its first space"),
	col("last_name", "VARCHAR", "the rest of the name; null for a one-word name"),
	col("phone", "VARCHAR", "E.164 (+ and 8-15 digits); national numbers take the calling code of the customer's country; null when missing or not a phone number"),
	col("phone_valid", "BOOLEAN", "phone is a valid E.164 number"),
	col("email_sha256", "VARCHAR", "SHA-256 (hex) of the trimmed, lower-cased email; null when the email is not valid (Google Customer Match, Meta Custom Audiences)"),
	col("phone_sha256", "VARCHAR", "SHA-256 (hex) of the E.164 phone with its + (Google Customer Match)"),
	col("phone_digits_sha256", "VARCHAR", "SHA-256 (hex) of the E.164 digits without + (Meta Custom Audiences)"),
}

// CallingCodes maps ISO 3166 alpha-2 country codes to their telephone
// calling codes (ITU-T E.164), for national phone numbers. Numbers of
// countries not listed must be written with their + code.
var CallingCodes = map[string]string{
	"AE": "971", "AR": "54", "AT": "43", "AU": "61", "BD": "880", "BE": "32",
	"BG": "359", "BR": "55", "CA": "1", "CH": "41", "CL": "56", "CN": "86",
	"CO": "57", "CY": "357", "CZ": "420", "DE": "49", "DK": "45", "EE": "372",
	"EG": "20", "ES": "34", "FI": "358", "FR": "33", "GB": "44", "GR": "30",
	"HK": "852", "HR": "385", "HU": "36", "ID": "62", "IE": "353", "IL": "972",
	"IN": "91", "IS": "354", "IT": "39", "JP": "81", "KE": "254", "KR": "82",
	"LK": "94", "LT": "370", "LU": "352", "LV": "371", "MA": "212", "MT": "356",
	"MX": "52", "MY": "60", "NG": "234", "NL": "31", "NO": "47", "NZ": "64",
	"PE": "51", "PH": "63", "PK": "92", "PL": "48", "PT": "351", "RO": "40",
	"RS": "381", "SA": "966", "SE": "46", "SG": "65", "SI": "386", "SK": "421",
	"TH": "66", "TR": "90", "TW": "886", "UA": "380", "US": "1", "VN": "84",
	"ZA": "27",
}
