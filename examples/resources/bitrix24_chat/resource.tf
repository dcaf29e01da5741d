# The on-call engineers, found by email.
data "bitrix24_user" "oncall" {
  for_each = toset(["anna.petrova@example.com", "ivan.sidorov@example.com"])
  email    = each.value
}

# The chat where production alerts land. The webhook's user creates and owns
# it and is always a member; members lists everyone else.
resource "bitrix24_chat" "alerts" {
  title       = "Production alerts"
  description = "Alertmanager posts here. Managed by Terraform."
  color       = "RED"
  members     = [for u in data.bitrix24_user.oncall : u.id]

  # Destroying the resource makes the webhook's user leave the chat;
  # the default, "abandon", only forgets it.
  on_destroy = "leave"
}

# A chat bound to a key of your own: the provider refuses to create a second
# chat for the same key, and bitrix24_dialog finds it by the same key.
resource "bitrix24_chat" "deploys" {
  title       = "Deploys"
  entity_type = "DEPLOY_PIPELINE"
  entity_id   = "backend"
}

# The alert route takes the chat's dialog id (chatN).
resource "terraform_data" "alert_route" {
  input = {
    receiver  = "bitrix24-oncall"
    dialog_id = bitrix24_chat.alerts.dialog_id
  }
}

output "alerts_dialog_id" {
  value = bitrix24_chat.alerts.dialog_id
}
