"""Debian tools the deploy tests use (nginx, docker-compose): taken from the machine, installed
with apt-get when missing and possible (root, apt-get present), else the test is skipped with
the reason. MFE_NO_APT=1 forbids installing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

APT_TIMEOUT_SECONDS = 600


def _apt_install(package: str) -> str | None:
    """None on success, else why it failed."""
    if os.environ.get("MFE_NO_APT"):
        return "MFE_NO_APT is set"
    if shutil.which("apt-get") is None:
        return "apt-get is not available"
    if os.geteuid() != 0:
        return "not root, cannot apt-get install"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    try:
        for attempt in range(2):
            result = subprocess.run(  # noqa: S603
                install, env=env, capture_output=True, timeout=APT_TIMEOUT_SECONDS, check=False
            )
            if result.returncode == 0:
                return None
            if attempt == 0:  # the package lists may be missing or stale
                subprocess.run(
                    ["apt-get", "update", "-q"],  # noqa: S607
                    env=env,
                    capture_output=True,
                    timeout=APT_TIMEOUT_SECONDS,
                    check=False,
                )
        return result.stderr.decode(errors="replace")[-500:]
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)


def _locate(binary: str) -> Path | None:
    if Path(binary).is_absolute():
        return Path(binary) if Path(binary).exists() else None
    found = shutil.which(binary)
    return Path(found) if found else None


def debian_tool(binary: str, package: str) -> Path:
    """The path of `binary`, installing Debian's `package` first if needed; skips otherwise."""
    path = _locate(binary)
    if path is None:
        reason = _apt_install(package)
        path = _locate(binary)
        if path is None:
            pytest.skip(f"{binary} is missing and `apt-get install {package}` failed: {reason}")
    return path


@pytest.fixture(scope="session")
def nginx_binary() -> Path:
    return debian_tool("/usr/sbin/nginx", "nginx")


@pytest.fixture(scope="session")
def docker_compose_binary() -> Path:
    return debian_tool("docker-compose", "docker-compose")
