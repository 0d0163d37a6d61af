package content

import (
	"strings"
)

// Topic is a subject in the hub's controlled vocabulary.
type Topic struct {
	Slug        string
	Name        string
	Description string
}

// Topics is the controlled list of topics. A resource may only use these; a
// new topic is added here, reviewed like code.
var Topics = []Topic{
	{"gp-registration", "GP registration", "Registering with a GP practice, including without ID, proof of address or immigration status."},
	{"charging", "NHS charging", "The charging regulations for overseas visitors and how providers apply them."},
	{"exemptions", "Charging exemptions", "Services that are free to everyone and people who are exempt from charges."},
	{"urgent-care", "Urgent and immediately necessary care", "Care that must never be delayed or withheld for payment."},
	{"maternity", "Maternity care", "Care in pregnancy and childbirth, and how charging affects it."},
	{"data-sharing", "Data sharing with the Home Office", "Use of NHS patient data for immigration enforcement."},
	{"confidentiality", "Confidentiality and trust", "Patient confidentiality and the trust that lets people seek care."},
	{"interpreting", "Interpreting and translation", "Interpreters and translated information for patients."},
	{"safe-surgeries", "Safe Surgeries", "The Safe Surgeries initiative and inclusive practice."},
	{"commissioning", "Commissioning for inclusion", "What commissioners can require of providers and how to measure access."},
	{"public-health", "Public health", "Infectious disease, outcomes and the public health risks of deterred care."},
	{"asylum-refugees", "Asylum seekers and refugees", "People seeking asylum, refused asylum seekers and refugees."},
	{"nrpf", "No recourse to public funds", "People whose immigration status bars them from most public funds."},
	{"children", "Children and families", "Children, young people and their families."},
	{"evidence", "Evidence of barriers", "Research on the barriers excluded people face when seeking care."},
}

// Audience is who a resource is written for: the GraphQL enum Audience.
type Audience string

// The audiences a resource can be written for.
const (
	AudienceCommissioners   Audience = "COMMISSIONERS"
	AudiencePublicHealth    Audience = "PUBLIC_HEALTH"
	AudienceGPPractices     Audience = "GP_PRACTICES"
	AudienceHospitals       Audience = "HOSPITALS"
	AudienceClinicians      Audience = "CLINICIANS"
	AudienceVoluntarySector Audience = "VOLUNTARY_SECTOR"
	AudiencePatients        Audience = "PATIENTS"
)

// Audiences is the controlled list of audiences, in a stable order.
var Audiences = []string{
	string(AudienceCommissioners), string(AudiencePublicHealth), string(AudienceGPPractices), string(AudienceHospitals),
	string(AudienceClinicians), string(AudienceVoluntarySector), string(AudiencePatients),
}

// Nation is a UK nation a resource applies to: the GraphQL enum Nation.
type Nation string

// The four nations (health is devolved; rules differ).
const (
	NationEngland         Nation = "ENGLAND"
	NationScotland        Nation = "SCOTLAND"
	NationWales           Nation = "WALES"
	NationNorthernIreland Nation = "NORTHERN_IRELAND"
)

// Nations is the controlled list of UK nations a resource can apply to.
var Nations = []string{string(NationEngland), string(NationScotland), string(NationWales), string(NationNorthernIreland)}

// RTLLanguages are the primary language subtags written right to left.
var RTLLanguages = map[string]bool{"ar": true, "fa": true, "he": true, "ur": true, "ps": true, "ku": false, "ckb": true, "yi": true, "dv": true}

// TopicBySlug returns the topic with the slug, or false.
func TopicBySlug(slug string) (Topic, bool) {
	for _, t := range Topics {
		if t.Slug == slug {
			return t, true
		}
	}
	return Topic{}, false
}

// NormalizeTerm turns a file or API spelling of an audience or nation
// ("gp-practices", "Northern Ireland") into its canonical name
// ("GP_PRACTICES", "NORTHERN_IRELAND") and reports whether it is in list.
func NormalizeTerm(s string, list []string) (string, bool) {
	n := strings.ToUpper(strings.TrimSpace(s))
	n = strings.NewReplacer("-", "_", " ", "_").Replace(n)
	for _, v := range list {
		if v == n {
			return v, true
		}
	}
	return n, false
}

// IsRTL reports whether a BCP 47 language tag is written right to left.
func IsRTL(lang string) bool {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	return RTLLanguages[primary]
}

// ValidLanguage reports whether s looks like a BCP 47 tag we accept:
// a 2–3 letter primary subtag, optionally followed by subtags of letters and digits.
func ValidLanguage(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts[0]) < 2 || len(parts[0]) > 3 || len(s) > 35 {
		return false
	}
	for i, p := range parts {
		if p == "" || len(p) > 8 {
			return false
		}
		for _, r := range p {
			isLetter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			if i == 0 && !isLetter || !isLetter && !(r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}
