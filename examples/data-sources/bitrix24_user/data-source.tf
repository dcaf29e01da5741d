# A user by email, and the private dialog with that user.
data "bitrix24_user" "oncall_lead" {
  email = "olga@example.com"
}

data "bitrix24_dialog" "oncall_lead" {
  dialog_id = data.bitrix24_user.oncall_lead.dialog_id
}

# A user by id.
data "bitrix24_user" "admin" {
  id = 1
}
