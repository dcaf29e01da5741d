# A group chat, by its chat id.
data "bitrix24_dialog" "alerts" {
  dialog_id = "chat42"
}

# The private dialog with user 5.
data "bitrix24_dialog" "lead" {
  dialog_id = "5"
}

# Feed the numeric chat id into whatever posts the alerts.
resource "terraform_data" "alert_route" {
  input = {
    chat_id   = data.bitrix24_dialog.alerts.id
    dialog_id = "chat${data.bitrix24_dialog.alerts.id}"
    crm       = data.bitrix24_dialog.alerts.entity_id
  }
}
