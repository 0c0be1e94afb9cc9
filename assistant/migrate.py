"""Running the Alembic migrations from code (`assistant db upgrade`, tests, `assistant serve`)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from assistant.settings import ROOT_DIR


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at migrations/ and the given database."""
    config = Config(str(ROOT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(Path(ROOT_DIR) / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database to the given revision (default: the newest)."""
    command.upgrade(alembic_config(database_url), revision)
