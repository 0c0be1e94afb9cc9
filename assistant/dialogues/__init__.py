"""Market dialogues: events, producer registrations, waitlists, one-to-one slots and calendars."""
