# A chat is imported by its dialog id (chatN) or its number.
terraform import bitrix24_chat.alerts chat1439
terraform import bitrix24_chat.alerts 1439

# Or with an import block (Terraform 1.5+):
#   import {
#     to = bitrix24_chat.alerts
#     id = "chat1439"
#   }
# With Terraform 1.12+, by resource identity:
#   import {
#     to       = bitrix24_chat.alerts
#     identity = { id = 1439 }
#   }
