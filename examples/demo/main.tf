# Reads a few chats from the built-in fake portal and feeds their ids into
# other configuration, as a real setup feeds alert routing or CI bots.
# Run it with `make demo`; the provider takes its credentials from the
# BITRIX24_WEBHOOK_URL environment variable that the demo sets.

terraform {
  required_providers {
    bitrix24 = {
      source = "tf-bitrix24/bitrix24"
    }
  }
}

provider "bitrix24" {}

locals {
  # Which chat each team's alerts go to.
  alert_chats = {
    platform = "chat42"
    sales    = "chat1439"
  }
}

data "bitrix24_dialog" "alerts" {
  for_each  = local.alert_chats
  dialog_id = each.value
}

# The private dialog with user 5, reached by the user id.
data "bitrix24_dialog" "oncall_lead" {
  dialog_id = "5"
}

# Many chats at once: one batch call.
data "bitrix24_dialogs" "all" {
  dialog_ids = ["chat42", "chat1439", "chat21191"]
}

# A stand-in for the infrastructure that consumes the chat ids, for example
# an alert router's configuration file.
resource "terraform_data" "alert_routes" {
  input = {
    for team, chat in data.bitrix24_dialog.alerts : team => {
      chat_id     = chat.id
      dialog_id   = "chat${chat.id}"
      title       = chat.name
      owner       = chat.owner
      crm_binding = chat.entity_id
    }
  }
}

output "alert_routes" {
  value = terraform_data.alert_routes.input
}

output "oncall_lead_chat_id" {
  value = data.bitrix24_dialog.oncall_lead.id
}

output "chat_titles" {
  value = { for id, d in data.bitrix24_dialogs.all.dialogs : id => d.name }
}
