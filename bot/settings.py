"""Settings from the environment (and ``.env`` when present). Secrets live here, never in app.yaml."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///var/crm.db", alias="DATABASE_URL")
    crm_config: str = Field(default="app.yaml", alias="CRM_CONFIG")
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    port: int = Field(default=3000, alias="PORT")
    scheduler_standby_retry: float = Field(default=15.0, gt=0, alias="CRM_SCHEDULER_STANDBY_RETRY",
                                           description="seconds between a standby scheduler's tries to lead")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)
