"""Imports every domain's tables so that SQLModel.metadata knows the whole schema."""


def import_all_models() -> None:
    """Import each domain's models module (for Alembic and schema checks)."""
    import assistant.accounts.models
    import assistant.audit.models
    import assistant.consultations.models
    import assistant.dialogues.models
    import assistant.feedback.models
    import assistant.jobs.models
    import assistant.outbox.models
    import assistant.summaries.models  # noqa: F401
