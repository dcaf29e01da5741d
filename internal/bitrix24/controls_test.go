package bitrix24

import "testing"

// Values reach the state byte for byte: only control characters and
// terminal escapes go; format characters and line breaks stay.
func TestCleanValue_keepsFormatCharacters(t *testing.T) {
	r := NewRedactor("s3cretAB") // At least MinSecretLen: shorter strings are never secrets.
	for in, want := range map[string]string{
		"Team\u200d👩\u200d💻":            "Team\u200d👩\u200d💻", // ZWJ
		"می\u200cخواهم":                 "می\u200cخواهم",      // ZWNJ
		"\u200fשלום\u200e":              "\u200fשלום\u200e",   // RLM, LRM
		"Ops\u00a0sync":                 "Ops\u00a0sync",      // NBSP
		"e\u0301":                       "e\u0301",            // NFD
		"line 1\nline 2\tx\r\nend":      "line 1\nline 2\tx\r\nend",
		"a\rb":                          "ab",
		"a\x00b\x7fc\u0085d":            "abcd",
		"red \x1b[31;1mALERT\x1b[0m":    "red ALERT",
		"title\x1b]0;pwned\x07 rest":    "title rest",
		"title\x1b]8;;http://x\x1b\\ln": "titleln",
		"c1 \u009b2Jcleared":            "c1 cleared",
		"cut \x1b[31":                   "cut ",
		"esc \x1bc reset":               "esc  reset",
		"token s3cretAB here":           "token *** here",
		"split s3\x1b[0mcretAB":         "split ***",
		"double  space":                 "double  space",
	} {
		if got := r.CleanValue(in); got != want {
			t.Errorf("CleanValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"Ops sync":      `"Ops sync"`,
		"Ops\u00a0sync": `"Ops\u00a0sync"`,
		"Team\u200dA":   `"Team\u200dA"`,
		"Чат \"x\"":     `"Чат \"x\""`,
		"a\tb\n":        `"a\tb\n"`,
		"\u202egnp.exe": `"\u202egnp.exe"`,
	} {
		if got := Visible(in); got != want {
			t.Errorf("Visible(%q) = %s, want %s", in, got, want)
		}
	}
}
