"""All configuration, read from the environment (prefix ASSISTANT_). Nothing else reads os.environ."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """Validated settings; every field can be set as ASSISTANT_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=None, extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{ROOT_DIR / 'var' / 'vuoropuhe.sqlite3'}",
        description="SQLAlchemy URL; PostgreSQL through postgresql+psycopg://",
    )
    models_dir: Path = ROOT_DIR / "models"
    corpora_dir: Path = ROOT_DIR / "corpora"
    templates_dir: Path = ROOT_DIR / "templates"
    static_dir: Path = ROOT_DIR / "static"
    default_language: str = "fi"
    max_comment_chars: int = 5000
    public_post_rate: str = Field(
        default="60/minute", description="Rate limit per client for public POSTs (limits syntax)"
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="limits storage URL; redis://127.0.0.1:6379 for several processes",
    )
    admin_token: str | None = Field(
        default=None,
        description="A deployment-wide bearer token for the admin API, besides the per-admin "
        "tokens of `assistant token create`; unset by default",
    )
    sign_in_rate: str = Field(
        default="5 per 15 minutes",
        description="Failed sign-ins allowed per account before sign-in is refused for a while",
    )
    sign_in_client_rate: str = Field(
        default="30 per 15 minutes", description="Failed sign-ins allowed per client address"
    )
    max_upload_bytes: int = Field(
        default=5 * 1024 * 1024, description="Largest CSV/XLSX file a preparer can import"
    )
    retrain_cv_folds: int | None = Field(
        default=None,
        description="Cross-validation folds when an admin retrains (default: as `assistant train`; "
        "0 skips cross-validation)",
    )
    run_jobs_in_app: bool = Field(
        default=True,
        description="Run imports and retraining in a thread of the app; set false when an "
        "`assistant worker` process runs them",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Used in links in emails"
    )
    service_areas_file: Path = ROOT_DIR / "config" / "service_areas.json"
    mail_sender: str = "Vuoropuhe <vuoropuhe@hyvinvointialue.invalid>"
    outbox_dir: Path = ROOT_DIR / "var" / "outbox"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    environment: str = Field(
        default="development",
        description="'production' refuses to start with the default secret key",
    )
    max_body_bytes: int = Field(default=1_000_000, description="Larger request bodies get 413")
    secure_cookies: bool = Field(
        default=False, description="Mark cookies Secure (serve over HTTPS)"
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY,
        description="Signs cookies; set a long random value in production",
    )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings object."""
    return Settings()
