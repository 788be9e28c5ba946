package schema

// Formats as regular languages. Each pattern spells a subset of the
// strings the validator's format check accepts (conservative: no leap
// days or seconds, lower-case hex, bounded label lengths), so that a
// generated string passes the check whatever the validator's finer rules.
// TestFormatPatternsValidate walks each pattern and checks every sample
// with github.com/santhosh-tekuri/jsonschema/v6.

const (
	fDate   = `[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))`
	fTime   = `(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])`
	fLabel  = `[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?`
	fHost   = fLabel + `(?:\.` + fLabel + `){0,3}`
	fDNS    = `[a-z](?:[a-z0-9-]{0,20}[a-z0-9])?(?:\.[a-z](?:[a-z0-9-]{0,20}[a-z0-9])?){0,3}`
	fOctet  = `(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`
	fSeg    = `(?:/[a-zA-Z0-9._~-]{1,20}){0,6}`
	fURI    = `[a-z][a-z0-9+.-]{0,10}://` + fDNS + fSeg
	fPtr    = `(?:/(?:[^~/]|~[01])*)*`
	fDigits = `(?:0|[1-9][0-9]{0,8})`
)

var formatPatterns = map[string]string{
	"date":                  `^` + fDate + `$`,
	"time":                  `^` + fTime + `$`,
	"date-time":             `^` + fDate + `T` + fTime + `$`,
	"duration":              `^P(?:[0-9]{1,4}[YMWD]|(?:[0-9]{1,4}D)?T[0-9]{1,4}[HMS])$`,
	"email":                 `^[a-z0-9](?:[a-z0-9_+-]{0,20}[a-z0-9])?@` + fDNS + `$`,
	"idn-email":             `^[a-z0-9](?:[a-z0-9_+-]{0,20}[a-z0-9])?@` + fDNS + `$`,
	"hostname":              `^` + fDNS + `$`,
	"idn-hostname":          `^` + fDNS + `$`,
	"ipv4":                  `^` + fOctet + `(?:\.` + fOctet + `){3}$`,
	"ipv6":                  `^[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}$`,
	"uuid":                  `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
	"uri":                   `^` + fURI + `$`,
	"iri":                   `^` + fURI + `$`,
	"uri-reference":         `^(?:` + fURI + `|(?:/[a-zA-Z0-9._~-]{1,20}){1,6})$`,
	"iri-reference":         `^(?:` + fURI + `|(?:/[a-zA-Z0-9._~-]{1,20}){1,6})$`,
	"uri-template":          `^` + fURI + `(?:/\{[a-z][a-z0-9_]{0,20}\})?$`,
	"json-pointer":          `^` + fPtr + `$`,
	"relative-json-pointer": `^` + fDigits + `(?:#|` + fPtr + `)$`,
	"regex":                 `^[a-zA-Z0-9 _-]*$`,
	"semver":                `^` + fDigits + `\.` + fDigits + `\.` + fDigits + `$`,
}

// assertedFormats are formats a standard validator asserts (those of
// github.com/santhosh-tekuri/jsonschema/v6 and of the JSON Schema
// specification). Any other format name is an annotation that validators
// ignore, so generation ignores it too.
var assertedFormats = map[string]bool{
	"date": true, "time": true, "date-time": true, "duration": true, "period": true,
	"email": true, "idn-email": true, "hostname": true, "idn-hostname": true,
	"ipv4": true, "ipv6": true, "uuid": true, "uri": true, "iri": true,
	"uri-reference": true, "iri-reference": true, "uri-template": true,
	"json-pointer": true, "relative-json-pointer": true, "regex": true, "semver": true,
}

// FormatPattern is the regular language generation writes for a format
// (Go regexp syntax, anchored), and whether there is one.
func FormatPattern(name string) (string, bool) {
	p, ok := formatPatterns[name]
	return p, ok
}
