# syntax=docker/dockerfile:1
#
# NatJoub production image.
#
#   docker build -t registry.example.com/natjoub:1.0.0 .
#   docker run --rm -p 8080:8080 \
#     -e DATABASE_URL=postgresql://user:pass@db-host:5432/microservice_db \
#     -e JWT_SECRET="$(openssl rand -base64 64)" -e DJANGO_SECRET_KEY="$(openssl rand -base64 64)" \
#     registry.example.com/natjoub:1.0.0
#
# The default command applies migrations and serves (no demo data). Kubernetes runs migrations in a
# separate Job and starts the pods with `python manage.py serve --no-migrate --no-seed`.

############################################################################################
# Builder: a self-contained virtualenv in /opt/venv.
############################################################################################
FROM python:3.13-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build

# Dependencies first, so this layer stays cached while only the code changes.
# --no-deps on purpose: django-prometheus 2.5.0 declares Django<6.1 but works with Django 6.1;
# the lock is complete, so nothing else needs resolving.
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --no-deps -r requirements/lock.txt

# The project itself (pyproject.toml names README.md as its readme, so it is needed to build).
COPY pyproject.toml README.md ./
COPY natjoub natjoub
COPY auth_app auth_app
COPY inventory_app inventory_app
RUN pip install --no-deps .

############################################################################################
# Runtime: slim image, no build tools, non-root.
############################################################################################
FROM python:3.13-slim AS runtime

LABEL org.opencontainers.image.title="natjoub" \
      org.opencontainers.image.description="NatJoub: accounts, JWT auth and multi-branch inventory (Django)" \
      org.opencontainers.image.version="1.0.0"

# PYTHONPATH=/app makes the copied source win over the copy installed in the venv, so paths derived
# from the settings module (templates/, static files) point into /app.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8080 \
    APP_ENVIRONMENT=production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

# Fixed uid/gid so Kubernetes' runAsNonRoot/runAsUser can match them (deploy/k8s/deployment.yaml).
RUN groupadd --system --gid 10001 natjoub \
 && useradd --system --uid 10001 --gid natjoub --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin natjoub

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Source stays owned by root: the service user can read it but not change it.
COPY manage.py pyproject.toml ./
COPY natjoub natjoub
COPY auth_app auth_app
COPY inventory_app inventory_app
COPY templates templates

# Static files (admin, Swagger UI/Redoc assets) collected at build time. Production settings refuse
# every secret shipped in the repository (these included), and without DATABASE_URL they would start
# an embedded PostgreSQL, so this one command runs with development settings and throw-away values
# (nothing connects to the database here; collectstatic does not depend on the environment).
# Metrics files written while importing the project go to a scratch dir that is removed afterwards.
RUN set -eu; \
    scratch="$(mktemp -d)"; \
    PROMETHEUS_MULTIPROC_DIR="$scratch" \
    APP_ENVIRONMENT=development \
    DJANGO_SECRET_KEY="build-only-secret-key-not-used-at-runtime-0123456789abcdefghijklmnop" \
    JWT_SECRET="build-only-jwt-secret-not-used-at-runtime-0123456789abcdefghijklmnopqrstuv" \
    DATABASE_URL="postgresql://build:build@127.0.0.1:5432/build" \
        python manage.py collectstatic --noinput; \
    rm -rf "$scratch"; \
    install -d -o natjoub -g natjoub -m 0750 /tmp/prometheus; \
    install -d -o natjoub -g natjoub -m 0750 /backups

# Backups (docs/api.md §38): `barman recover` copies with rsync. The app pods stream no WAL: one
# dedicated receiver does (`manage.py backup --stream`, deploy/k8s/backup.yaml, docker-compose.yml).
RUN apt-get update \
 && apt-get install -y --no-install-recommends rsync \
 && rm -rf /var/lib/apt/lists/*
ENV BACKUP_DIR=/backups \
    BACKUP_STREAMING=false

USER natjoub

EXPOSE 8080

# python:3.13-slim has no curl; urllib raises (exit 1) on connection errors and non-2xx answers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8080'), timeout=4)"]

CMD ["python", "manage.py", "serve", "--no-seed"]
