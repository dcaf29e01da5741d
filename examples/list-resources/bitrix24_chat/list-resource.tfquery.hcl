# In a file ending in .tfquery.hcl, next to the provider configuration.
# `terraform query` lists the chats; `terraform query
# -generate-config-out=chats.tf` writes an import block and a bitrix24_chat
# block for each, which `terraform plan` then imports with no changes.
# Needs Terraform 1.14 or later.

# Every group chat the webhook's user belongs to.
list "bitrix24_chat" "all" {
  provider = bitrix24
}

# The chats whose name contains "Release", read in full.
list "bitrix24_chat" "releases" {
  provider         = bitrix24
  include_resource = true

  config {
    search = "Release"
  }
}
