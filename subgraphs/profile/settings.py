"""Settings of the profile domain, read from the environment (`PROFILE_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.config import Settings

MIB = 1024 * 1024


class ProfileSettings(BaseSettings):
    """`PROFILE_AVATAR_MAX_BYTES` caps an upload; larger images than `avatar_max_pixels` on a
    side are scaled down; files go to `PROFILE_AVATAR_DIR` (default `<DATA_DIR>/avatars`)."""

    model_config = SettingsConfigDict(env_prefix="PROFILE_", env_file=".env", extra="ignore")

    avatar_max_bytes: int = 2 * MIB
    avatar_max_pixels: int = 1024
    avatar_dir: Path | None = None

    def avatar_root(self, settings: Settings) -> Path:
        return self.avatar_dir or Path(settings.data_dir) / "avatars"
