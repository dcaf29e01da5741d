package bitrix24

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Webhook holds the parts of an inbound webhook URL,
// https://PORTAL/rest/USER_ID/CODE/.
type Webhook struct {
	// PortalURL is the scheme and host, for example https://example.bitrix24.com.
	PortalURL string
	UserID    int64
	// Code is the webhook's secret.
	Code string
}

var webhookCodePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ErrWebhookURLShape is wrapped by every webhook URL parse error. The errors
// never repeat the URL, because it holds the webhook code.
var ErrWebhookURLShape = errors.New("a webhook URL looks like https://PORTAL/rest/USER_ID/CODE/")

// ParseWebhookURL splits an inbound webhook URL into portal, user id and code.
// The trailing slash is optional.
func ParseWebhookURL(raw string) (Webhook, error) {
	base, err := ParsePortalURL(raw, true)
	if err != nil {
		return Webhook{}, err
	}
	u, _ := url.Parse(strings.TrimSpace(raw)) // ParsePortalURL already parsed it.
	parts := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if len(parts) != 3 || parts[0] != "rest" {
		return Webhook{}, fmt.Errorf("the path must be /rest/USER_ID/CODE/ with nothing after the code: %w", ErrWebhookURLShape)
	}
	userID, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || userID <= 0 || strings.HasPrefix(parts[1], "+") {
		return Webhook{}, fmt.Errorf("the user id after /rest/ must be a positive whole number: %w", ErrWebhookURLShape)
	}
	if !webhookCodePattern.MatchString(parts[2]) {
		return Webhook{}, fmt.Errorf("the webhook code may hold only letters, digits, '-' and '_': %w", ErrWebhookURLShape)
	}
	return Webhook{PortalURL: base, UserID: userID, Code: parts[2]}, nil
}

// ParsePortalURL checks that raw is an absolute http(s) URL with a host and no
// query, fragment or user info, and returns its scheme and host. When
// allowPath is false the path must be empty or "/".
func ParsePortalURL(raw string, allowPath bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("the URL is empty")
	}
	if !strings.Contains(raw, "://") {
		return "", errors.New("the URL must start with https:// (or http:// for a local test portal)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the input; give only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("the URL cannot be parsed: %w", err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return "", errors.New("the URL must start with https:// (or http:// for a local test portal)")
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("the URL has no host name")
	case strings.Contains(u.Hostname(), "%"):
		// Go's HTTP client cannot send a request to a URL with a zone
		// ("invalid URL escape"); refuse it here, not on every request.
		return "", errors.New("the URL's IPv6 address has a zone (%25…), which the provider cannot use: use a global address or a host name")
	case u.User != nil:
		return "", errors.New("the URL must not hold a user name or password")
	case u.RawQuery != "" || u.ForceQuery:
		return "", errors.New("the URL must not have a query string")
	case u.Fragment != "":
		return "", errors.New("the URL must not have a fragment")
	case !allowPath && strings.Trim(u.Path, "/") != "":
		return "", errors.New("the portal URL must have no path")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", errors.New("the URL has an invalid port")
		}
	}
	return u.Scheme + "://" + u.Host, nil
}

// Auth is how the client authenticates: a webhook or an OAuth access token.
type Auth struct {
	// Webhook is set for webhook auth.
	Webhook *Webhook
	// OAuth is set for OAuth auth.
	OAuth *OAuth
}

// OAuth holds an access token and, optionally, what is needed to refresh it.
type OAuth struct {
	PortalURL    string
	AccessToken  string
	RefreshToken string
	ClientID     string
	ClientSecret string
	// TokenURL is the OAuth server's token endpoint; DefaultOAuthTokenURL
	// of PortalURL unless set.
	TokenURL string
}

// The token endpoints of Bitrix24's two OAuth servers. A portal uses the
// one of its region (rest/lib/Internal/Service/OAuth/
// AuthorizationServerUrlResolver.php in the Bitrix source).
const (
	OAuthTokenURLTech = "https://oauth.bitrix24.tech/oauth/token/"
	OAuthTokenURLInfo = "https://oauth.bitrix.info/oauth/token/"
)

// techZones are the domain zones whose portals use oauth.bitrix24.tech.
var techZones = []string{"ru", "by", "kz", "am", "az", "ge", "kg", "uz"}

// DefaultOAuthTokenURL is the token endpoint for a portal, chosen by its
// domain zone as the portal chooses its authorization server:
// OAuthTokenURLTech for .ru .by .kz .am .az .ge .kg .uz, OAuthTokenURLInfo
// for every other portal.
func DefaultOAuthTokenURL(portalURL string) string {
	host := portalURL
	if u, err := url.Parse(portalURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	zone := host[strings.LastIndex(host, ".")+1:]
	if slices.Contains(techZones, zone) {
		return OAuthTokenURLTech
	}
	return OAuthTokenURLInfo
}

// Secrets returns every secret the auth holds, for masking.
func (a Auth) Secrets() []string {
	var out []string
	if a.Webhook != nil {
		out = append(out, a.Webhook.Code)
	}
	if a.OAuth != nil {
		out = append(out, a.OAuth.AccessToken, a.OAuth.RefreshToken, a.OAuth.ClientSecret)
	}
	return nonEmpty(out)
}

func nonEmpty(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
