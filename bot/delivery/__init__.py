"""Getting messages to Telegram: rendering, the durable outbox and its sender."""
