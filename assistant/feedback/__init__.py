"""Feedback: comments from stakeholders, the chat-style assistant that collects them, and its API."""
