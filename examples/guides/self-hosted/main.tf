# A self-hosted Bitrix24 portal behind an internal CA, without REST limits.

terraform {
  required_providers {
    bitrix24 = {
      source = "tf-bitrix24/bitrix24"
    }
  }
}

# BITRIX24_WEBHOOK_URL=https://bitrix.corp.example/rest/1/CODE/
provider "bitrix24" {
  # The internal CA that signed the portal's certificate, added to the
  # system's trusted CAs (or ca_cert_pem with the PEM text).
  ca_cert_file = "/etc/ssl/corp/internal-ca.pem"

  # The portal has no REST limit: no client-side pacing.
  rate_limit = 0
}

data "bitrix24_dialog" "alerts" {
  dialog_id = "chat42"
}

output "alerts_chat_id" {
  value = data.bitrix24_dialog.alerts.id
}
