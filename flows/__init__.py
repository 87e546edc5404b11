"""The conversation logic, free of Telegram: an event and the stored state go
in; the new state, the messages to send and the domain changes come out."""
