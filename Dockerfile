# One image for web, worker and beat (see docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /app/node_modules ./node_modules
RUN sh scripts/vendor_assets.sh \
 && rm -rf node_modules \
 && SECRET_KEY=build-only-$(python -c 'import secrets;print(secrets.token_urlsafe(60))') \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    NOTIFY_GATEWAY_URL=http://build.invalid/ EMAIL_URL=smtp://build.invalid \
    python manage.py collectstatic --no-input -v 0 \
 && python manage.py compilemessages -v 0 --ignore=.venv
RUN useradd --create-home lighthouse && mkdir -p /app/media && chown lighthouse /app/media
USER lighthouse
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
