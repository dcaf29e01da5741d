# Read many chats in batch calls of up to 50 instead of one request each.
data "bitrix24_dialogs" "team" {
  dialog_ids = ["chat42", "chat1439", "sg103"]
}

# One alert route per chat.
resource "terraform_data" "route" {
  for_each = data.bitrix24_dialogs.team.dialogs

  input = {
    chat_id = each.value.id
    title   = each.value.name
    owner   = each.value.owner
  }
}

# Every chat whose title contains "release", newest first.
data "bitrix24_dialogs" "release" {
  search = "release"
}

output "release_chats" {
  value = { for id, d in data.bitrix24_dialogs.release.dialogs : id => d.name }
}
