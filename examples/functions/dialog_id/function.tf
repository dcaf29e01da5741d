# "chat1439"
output "deal_chat" {
  value = provider::bitrix24::dialog_id(1439)
}
