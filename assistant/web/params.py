"""Path and form parameters shared by the routers."""

from datetime import date
from typing import Annotated

from fastapi import Form, Path

MAX_ID = 2**63 - 1  # the largest key SQLite and PostgreSQL BIGINT hold

EventId = Annotated[int, Path(ge=1, le=MAX_ID, description="Event id")]
SlotIdForm = Annotated[int, Form(ge=1, le=MAX_ID)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Row id")]


def optional_date(value: str | None) -> date | None:
    """An ISO date from a query parameter, or None when it is missing or does not parse."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
