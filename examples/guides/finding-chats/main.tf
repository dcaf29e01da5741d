# Every way to find a chat. Runs against the fake portal's demo fixtures:
# see the "Offline plans in CI" guide.

terraform {
  required_providers {
    bitrix24 = {
      source = "tf-bitrix24/bitrix24"
    }
  }
}

# BITRIX24_WEBHOOK_URL holds the webhook.
provider "bitrix24" {}

# By id: chatN for a group chat, sgN for a workgroup's chat, a user id for
# the private dialog with that user. Ids differ between portals.
data "bitrix24_dialog" "by_id" {
  dialog_id = "chat42"
}

# By exact title (case-sensitive). The title is looked up with the portal's
# chat search, so it needs a word of 3 or more characters.
data "bitrix24_dialog" "by_name" {
  name = "Platform on-call"
}

# By what the chat is bound to: a CRM entity, a workgroup or a task.
data "bitrix24_dialog" "deal" {
  entity_type = "CRM"
  entity_id   = "DEAL|1663"
}

data "bitrix24_dialog" "task" {
  entity_type = "TASKS_TASK"
  entity_id   = "77"
}

# A private dialog is never found by search: find the user (email is exact
# and case-insensitive), then read the dialog by the user's dialog id.
data "bitrix24_user" "lead" {
  email = "Olga@Example.com"
}

data "bitrix24_dialog" "lead" {
  dialog_id = data.bitrix24_user.lead.dialog_id
}

# Many chats by the start of a word of their titles: "release" finds
# "Release train" and "Release train retro"; "lease" would find neither.
data "bitrix24_dialogs" "release" {
  search = "release"
}

output "found" {
  value = {
    by_id    = data.bitrix24_dialog.by_id.id
    by_name  = data.bitrix24_dialog.by_name.id
    deal     = data.bitrix24_dialog.deal.id
    task     = data.bitrix24_dialog.task.id
    lead     = data.bitrix24_dialog.lead.id
    releases = sort([for d in data.bitrix24_dialogs.release.dialogs : d.name])
  }
}
