package bitrix24

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SearchMinWord is the shortest word im.search.chat.list searches for
// (main/lib/orm/query/filter/helper.php FT_MIN_TOKEN_SIZE): shorter words
// are dropped, and a text without a longer one is refused (FIND_SHORT).
const SearchMinWord = 3

// SearchWords splits text into words as the portal's full-text search
// does (splitWords): runs of letters, digits 0-9 and _, each once, in
// order.
func SearchWords(text string) []string {
	words := strings.FieldsFunc(text, func(c rune) bool {
		return !unicode.IsLetter(c) && (c < '0' || c > '9') && c != '_'
	})
	out := words[:0]
	for _, w := range words {
		if !contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SearchText is what to send as FIND for text: its words of SearchMinWord
// or more characters, the only ones the portal searches for, joined by
// spaces. ok is false when there is none: the portal cannot find such a
// text (a chat titled "QA").
func SearchText(text string) (query string, ok bool) {
	var keep []string
	for _, w := range SearchWords(text) {
		if len([]rune(w)) >= SearchMinWord {
			keep = append(keep, w)
		}
	}
	return strings.Join(keep, " "), len(keep) > 0
}

// nearMiss says how got, a name that is not want, differs from it when
// the two look the same: only in Unicode normalisation (NFC against NFD),
// only in white space (a double space, a no-break space), or only in
// invisible characters (ZWJ, ZWNJ, direction marks). "" otherwise.
func nearMiss(got, want string) string {
	if got == want {
		return ""
	}
	var how []string
	for _, step := range []struct {
		what string
		fold func(string) string
	}{{"invisible characters", dropInvisible}, {"white space", foldSpace}, {"Unicode normalisation (composed against decomposed letters)", norm.NFC.String}} {
		a, b := step.fold(got), step.fold(want)
		if a != got || b != want {
			how = append(how, step.what)
		}
		if got, want = a, b; got == want {
			return "differs only in " + strings.Join(how, " and ")
		}
	}
	return ""
}

// dropInvisible removes format characters (Unicode Cf: ZWJ, ZWNJ, LRM,
// RLM, bidi controls, soft hyphen).
func dropInvisible(s string) string {
	return strings.Map(func(c rune) rune {
		if unicode.Is(unicode.Cf, c) {
			return -1
		}
		return c
	}, s)
}

// foldSpace turns every run of white space into one space.
func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
