# A group chat, by its chat id.
data "bitrix24_dialog" "alerts" {
  dialog_id = "chat42"
}

# The same chat by its exact title: ids differ between a staging and a
# production portal, titles need not.
data "bitrix24_dialog" "alerts_by_name" {
  name = "Platform on-call"
}

# The chat of a CRM deal; SONET_GROUP + a workgroup id and TASKS_TASK + a
# task id work alike.
data "bitrix24_dialog" "deal" {
  entity_type = "CRM"
  entity_id   = "DEAL|1663"
}

# The private dialog with a user found by email.
data "bitrix24_user" "lead" {
  email = "olga@example.com"
}

data "bitrix24_dialog" "lead" {
  dialog_id = data.bitrix24_user.lead.dialog_id
}

# Feed the numeric chat id into whatever posts the alerts.
resource "terraform_data" "alert_route" {
  input = {
    chat_id   = data.bitrix24_dialog.alerts_by_name.id
    dialog_id = data.bitrix24_dialog.alerts_by_name.dialog_id # "chat42"
    crm       = data.bitrix24_dialog.deal.entity_id
  }
}
