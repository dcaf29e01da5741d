# Reading many chats without exhausting a shared portal's rate limit.

terraform {
  required_providers {
    bitrix24 = {
      source = "tf-bitrix24/bitrix24"
    }
  }
}

provider "bitrix24" {
  # An Enterprise portal's bucket: 250 requests at once, then 5 a second.
  # Other plans: leave both out (50, then 2 a second).
  rate_limit       = 5
  rate_limit_burst = 250

  # A busy portal (QUERY_LIMIT_EXCEEDED) is retried for this long.
  busy_timeout = "10m"
}

locals {
  # Hundreds of chats, for example from a team registry. (These 500 are the
  # ones that `bitrix24-fakeportal -generate-chats 500` serves.)
  chat_ids = [for i in range(100000, 100500) : "chat${i}"]
}

# One data source for all of them: 500 chats are 10 batch calls.
data "bitrix24_dialogs" "all" {
  dialog_ids = local.chat_ids
}

output "chats_read" {
  value = length(data.bitrix24_dialogs.all.dialogs)
}
