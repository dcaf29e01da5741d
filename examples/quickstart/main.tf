# The README's first configuration. `make install` puts the provider where
# `terraform init` finds it offline; .ci/install-check.sh runs this.
terraform {
  required_providers {
    bitrix24 = {
      source = "tf-bitrix24/bitrix24"
    }
  }
}

# Credentials from the environment: BITRIX24_WEBHOOK_URL=https://example.bitrix24.com/rest/1/CODE/
provider "bitrix24" {}

data "bitrix24_dialog" "alerts" {
  dialog_id = "chat1439"
}

# Feed the chat id into the infrastructure that posts alerts.
resource "terraform_data" "alert_route" {
  input = {
    chat_id   = data.bitrix24_dialog.alerts.id          # 1439
    dialog_id = "chat${data.bitrix24_dialog.alerts.id}" # what im.message.add takes
    owner     = data.bitrix24_dialog.alerts.owner
    crm_deal  = data.bitrix24_dialog.alerts.entity_id # "DEAL|1663"
  }
}
