"""Running meetbot as a service: the webhook server, several processes on one
database, status, health and metrics."""
