# An inbound webhook, the URL Bitrix24 shows when you create it. Keep it out
# of the configuration: set BITRIX24_WEBHOOK_URL instead.
provider "bitrix24" {
  webhook_url = var.bitrix24_webhook_url
}

variable "bitrix24_webhook_url" {
  type      = string
  sensitive = true
}

# The same webhook, in parts.
provider "bitrix24" {
  alias        = "parts"
  portal_url   = "https://example.bitrix24.com"
  user_id      = 1
  webhook_code = var.bitrix24_webhook_code
}

variable "bitrix24_webhook_code" {
  type      = string
  sensitive = true
}

# An OAuth 2.0 application, on an Enterprise plan's rate limit.
provider "bitrix24" {
  alias            = "oauth"
  portal_url       = "https://example.bitrix24.com"
  access_token     = var.bitrix24_access_token
  rate_limit       = 5
  rate_limit_burst = 250
}

variable "bitrix24_access_token" {
  type      = string
  sensitive = true
}
