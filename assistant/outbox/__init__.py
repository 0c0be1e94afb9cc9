"""Durable email: messages written in the same transaction as the change they announce."""
