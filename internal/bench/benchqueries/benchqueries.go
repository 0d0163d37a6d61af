// Package benchqueries holds the search queries the benchmarks share, so
// that hubbench and the search package's scale test measure the same ones.
package benchqueries

// Kit is the peer kit's 20 search queries (bench/peer/queries.txt: 1–4
// words, common to rare).
var Kit = []string{"charging", "interpreter", "maternity", "GP registration", "asylum seekers", "mental health",
	"commissioner", "data sharing Home Office", "proof of address", "overseas visitors charging",
	"refused asylum seekers maternity", "Safe Surgeries training", "destitution", "tuberculosis screening",
	"interpreter GP registration", "NHS number", "Windrush", "immigration health surcharge", "hepatitis C", "Bibby Stockholm"}

// Hub is hubbench's 30 queries: what commissioners and practice staff
// type, typos included, plus words of the generated corpus's filler text.
var Hub = []string{
	"register patient no proof of address", "charging exemptions pregnant", "home office data sharing",
	"asylum seker", "refused asylum seekers hospital charges", "can a receptionist ask for passport",
	"registration without id", "free at accident and emergency", "upfront charging", "maternity care charges",
	"no recourse to public funds", "safe surgeries", "interpreter commissioning", "confidentiality police request",
	"memorandum of understanding", "tuberculosis treatment free", "children exempt charges", "looked after children",
	"wales refused asylum", "scotland overseas visitors", "measure access primary care", "mystery shopper registration",
	"licence conditions software", "copyright notice permission", "distribute modified versions", "patent license terms",
	"public health deterred care", "family doctor registration", "release notes bug fixes", "warranty of merchantability",
}
