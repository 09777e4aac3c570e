package checkout

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	chainNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	tokenSymRE  = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,9}$`)
)

// ValidChainName reports whether name can name a chain: lower-case
// letters, digits and hyphens, starting with a letter, at most 32.
func ValidChainName(name string) bool { return chainNameRE.MatchString(name) }

// ValidTokenSymbol reports whether sym can name a token: upper-case letters
// and digits, 2 to 10, starting with a letter.
func ValidTokenSymbol(sym string) bool { return tokenSymRE.MatchString(sym) }

// Normalize returns tc with its chain in lower case and its token in upper
// case, as they are stored and compared.
func (tc TokenChain) Normalize() TokenChain {
	return TokenChain{Chain: strings.ToLower(strings.TrimSpace(tc.Chain)), Token: strings.ToUpper(strings.TrimSpace(tc.Token))}
}

// String is TOKEN@chain, how settings and messages write a pair.
func (tc TokenChain) String() string { return tc.Token + "@" + tc.Chain }

// ParseTokenChains reads an account's supported_tokens setting:
// comma-separated TOKEN@chain pairs, "USDC@base,USDT@ethereum" (the token
// as a wallet shows it, then where). A pair given twice is an error, so
// that a typo does not hide behind a duplicate.
func ParseTokenChains(s string) ([]TokenChain, error) {
	var out []TokenChain
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		tok, chain, ok := strings.Cut(part, "@")
		tc := TokenChain{Chain: chain, Token: tok}.Normalize()
		if !ok || !ValidTokenSymbol(tc.Token) || !ValidChainName(tc.Chain) {
			return nil, fmt.Errorf("'%s' is not a pair: write TOKEN@chain pairs separated by commas, such as USDC@base,USDT@ethereum", part)
		}
		for _, o := range out {
			if o == tc {
				return nil, fmt.Errorf("%s is listed twice", tc)
			}
		}
		out = append(out, tc)
	}
	return out, nil
}

// FormatTokenChains writes pairs as ParseTokenChains reads them.
func FormatTokenChains(pairs []TokenChain) string {
	s := make([]string, len(pairs))
	for i, p := range pairs {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}
