# { kind = "sg", id = 103 }
output "workgroup_chat" {
  value = provider::bitrix24::parse_dialog_id("sg103")
}
