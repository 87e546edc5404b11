"""Database schema and engine."""
