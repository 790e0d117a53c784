# One image for every service of the platform; the command picks which one runs:
#   docker run IMAGE subgraph auth --host 0.0.0.0      (auth, payments, admin, profile)
#   docker run IMAGE router --host 0.0.0.0 --supergraph /app/deploy/supergraph.compose.yaml
#   docker run IMAGE migrate
# Services listen on 127.0.0.1 unless told `--host 0.0.0.0` (docker-compose.yml does).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: the locked dependencies and the project in /app/.venv ---------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m pip install "uv==0.13.9"
WORKDIR /app
# Dependencies first (a layer that changes only with the lock), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev \
    && python -m compileall -q mfe shared subgraphs router migrations

# ---- runtime: the virtualenv and the code, a non-root user, no build tools or caches ----------
FROM ${PYTHON_IMAGE} AS runtime
RUN python -m pip uninstall -y -q pip setuptools wheel 2>/dev/null; \
    groupadd --system --gid 10001 mfe \
    && useradd --system --uid 10001 --gid mfe --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin mfe \
    && rm -rf /root/.cache /var/lib/apt/lists/*
WORKDIR /app
# Owned by root, read-only for the service user: the code cannot be changed by the process.
COPY --from=builder /app /app
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
