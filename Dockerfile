# One image for every service of the platform; the command picks which one runs:
#   docker run IMAGE subgraph auth --host 0.0.0.0      (auth, payments, admin, profile)
#   docker run IMAGE router --host 0.0.0.0 --supergraph /app/deploy/supergraph.compose.yaml
#   docker run IMAGE migrate
# Services listen on 127.0.0.1 unless told `--host 0.0.0.0` (docker-compose.yml does).
# The base: the official image where a registry answers; `make image` (deploy/image/build.sh)
# passes a debootstrap-made Debian bookworm + Debian's Python 3.11 where none does. Nothing below
# depends on where the base keeps python3 (/usr/local/bin or /usr/bin) or on it having pip.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: the locked dependencies and the project in /app/.venv ---------------------------
FROM ${PYTHON_IMAGE} AS builder
# uv keeps no download cache in the image; deploy/image/build.sh turns one on in a volume of the
# host's (the same wheels are not fetched again for every build).
ARG UV_NO_CACHE=1
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON_PREFERENCE=only-system \
    UV_PYTHON=python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_SYSTEM_CERTS=1 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# PyPI is reached with the system's CA store (UV_SYSTEM_CERTS, PIP_CERT), so a build behind a TLS-
# inspecting proxy trusts what its host trusts (deploy/image/build.sh mounts the host's bundle).
# uv from PyPI in a venv of its own (the base's pip, if any, is left alone); not in the runtime.
RUN python3 -m venv /opt/uv \
    && /opt/uv/bin/python -m pip install --quiet "uv==0.13.9" \
    && ln -s /opt/uv/bin/uv /usr/local/bin/uv
WORKDIR /app
# Dependencies first (a layer that changes only with the lock), then the project itself; no
# default groups: the dev tools and the embedded PostgreSQL/Redis (`mfe up` without URLs) stay out.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-default-groups --no-install-project
COPY . .
RUN uv sync --frozen --no-default-groups \
    && /app/.venv/bin/python -m compileall -q mfe shared subgraphs router migrations

# ---- runtime: the virtualenv and the code, a non-root user, no build tools or caches ----------
FROM ${PYTHON_IMAGE} AS runtime
# The official image's pip, setuptools and wheel are build tools: gone (Debian's base has none).
RUN if python3 -m pip --version >/dev/null 2>&1; then \
        python3 -m pip uninstall -y -q pip setuptools wheel; \
    fi \
    && groupadd --system --gid 10001 mfe \
    && useradd --system --uid 10001 --gid mfe --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin mfe \
    && install -d -o mfe -g mfe -m 0750 /app/uploads \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    DATA_DIR=/tmp/mfe
USER 10001:10001
EXPOSE 3000 3001 3002 3003 3004
# SIGTERM: /ready 503 for DRAIN_SECONDS, in-flight requests finish (≤ GRACEFUL_TIMEOUT), exit 0.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "http://127.0.0.1:3000/ready"]
ENTRYPOINT ["mfe"]
CMD ["router", "--host", "0.0.0.0", "--port", "3000"]
# Owned by root, read-only for the service user: the process cannot change its own code. Its one
# writable place is /app/uploads (the profile subgraph's avatars; a volume in docker-compose.yml,
# which starts out with this directory's owner). Last: the steps above never change with the code.
COPY --from=builder /app /app
