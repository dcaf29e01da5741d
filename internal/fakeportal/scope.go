package fakeportal

import (
	"sort"
)

// scopeList answers the scope method as
// rest/classes/general/rest_provider.php::scopeList does. The method is in
// the global scope (getDescription: CRestUtil::GLOBAL_SCOPE), so the auth
// handlers check no scope for it (rest/lib/apauth/auth.php::checkPermission,
// rest/lib/oauth/auth.php::onRestCheckAuth): any webhook or token that
// authenticates may call it, and the dispatch asks c.has for nothing.
//
// Without FULL (keys upper-cased, array_change_key_case) it answers
// CRestServer::getAuthScope (rest/classes/general/rest.php): the auth
// answer's "scope" split at commas. For a webhook that is its permissions
// (apauth/auth.php::onRestCheckAuth implodes getPasswordScope, without the
// user_basic/user_brief aliases fillAlternativeScope adds for the check);
// for a token, the scope the OAuth server gave for it. PHP's explode of an
// empty string is [""], so a caller without scopes answers [""].
//
// With a true FULL it answers ScopeManager::listScope(), every scope the
// portal offers. Guess: the fake has no module list, so it answers the
// scopes of the methods it serves and every scope a webhook, token or
// refresh token of its fixtures holds, sorted.
func (p *Portal) scopeList(c *caller, params map[string]any) (any, *restError) {
	if v, ok := param(params, "FULL"); ok && phpTruthy(v) {
		p.mu.Lock()
		defer p.mu.Unlock()
		seen := map[string]bool{"im": true, "user": true, "user_basic": true, "user_brief": true}
		for _, w := range p.fixtures.Webhooks {
			for _, s := range w.Scopes {
				seen[s] = true
			}
		}
		for _, t := range p.fixtures.Tokens {
			for _, s := range t.Scopes {
				seen[s] = true
			}
		}
		for _, cl := range p.fixtures.OAuthClients {
			for _, r := range cl.RefreshTokens {
				for _, s := range r.Scopes {
					seen[s] = true
				}
			}
		}
		out := make([]string, 0, len(seen))
		for s := range seen {
			if s != "" {
				out = append(out, s)
			}
		}
		sort.Strings(out)
		return out, nil
	}
	if len(c.scopes) == 0 {
		return []string{""}, nil
	}
	return append([]string(nil), c.scopes...), nil
}
