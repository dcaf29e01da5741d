# A deploy notification: every time the release version changes, the
# release chat gets one message. Needs Terraform 1.14 or later.

variable "release_version" {
  type        = string
  description = "The version being deployed, for example 1.4.0."
}

action "bitrix24_message" "deployed" {
  config {
    dialog_id   = "chat1439" # or bitrix24_chat.releases.dialog_id
    message     = "[B]Release ${var.release_version}[/B] is deployed.[BR]Changelog: [URL=https://example.com/releases/${var.release_version}]release notes[/URL]"
    url_preview = false
  }
}

# The release version as a resource: creating it and changing it trigger
# the action after the apply has made the change.
resource "terraform_data" "release" {
  input = var.release_version

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.bitrix24_message.deployed]
    }
  }
}

# The action can also be run on its own:
#   terraform apply -invoke=action.bitrix24_message.deployed
