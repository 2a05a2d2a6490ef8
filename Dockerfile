# Kokuchi container image: the web server by default; the same image runs the task worker
# (`kokuchi db_worker`) and the scheduler (`kokuchi scheduler`), see compose.yaml.
FROM python:3.12-slim-bookworm

# Pango and HarfBuzz for WeasyPrint (the Japanese font ships with Kokuchi), and the PostgreSQL 15 client programs for `kokuchi backup`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system kokuchi && useradd --system --gid kokuchi --home-dir /app --shell /usr/sbin/nologin kokuchi

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY kokuchi ./kokuchi
RUN pip install --no-cache-dir . && rm -rf /root/.cache

ENV PYTHONUNBUFFERED=1 \
    KOKUCHI_DATA_DIR=/data \
    KOKUCHI_BIND=0.0.0.0:8000 \
    KOKUCHI_PG_BIN=/usr/lib/postgresql/15/bin
RUN mkdir -p /data && chown kokuchi:kokuchi /data
VOLUME /data
USER kokuchi
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["sh", "-c", "kokuchi migrate --noinput && kokuchi collectstatic --noinput --verbosity 0 && exec kokuchi serve"]
