# One image for web, worker and beat. Build: docker build -t pilot-portal .
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PILOT_ENV=production
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-noto-cjk fonts-wqy-zenhei fontconfig postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Build-time only values: static files and translations need settings, not secrets.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build PUBLIC_BASE_URL=https://build.invalid \
        python manage.py compile_translations \
 && SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build PUBLIC_BASE_URL=https://build.invalid \
        python manage.py collectstatic --noinput -v0
RUN useradd --system --home /app pilot && mkdir -p /app/var/backups && chown -R pilot /app/var
USER pilot
EXPOSE 8000
CMD ["gunicorn", "pilot.wsgi:application", "-c", "gunicorn.conf.py"]
