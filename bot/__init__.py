"""The Telegram side of meetbot: storage, delivery, translations and the command line."""
