# story-clusters service image.
#   docker build -t story-clusters .
#   docker run -p 8000:8000 story-clusters                       # SQLite in /data
#   docker run -e DATABASE_URL=postgresql://user:pw@db/stories ... # PostgreSQL
# BASE_IMAGE lets builds without a registry use a local Python 3.11+ image.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/story_clusters.db \
    PORT=8000

WORKDIR /srv/story-clusters
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
RUN python3 -m pip install --no-cache-dir . \
    && useradd --system --create-home --uid 10001 story \
    && mkdir -p /data && chown story /data

USER story
VOLUME ["/data"]
EXPOSE 8000
# The port is $PORT (platforms that assign one set it); the health check follows it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
    CMD python3 -c "import os,sys,urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8000'), timeout=2).status != 200)"
# Migrations run at start on SQLite; on PostgreSQL run `story-clusters migrate` first
# (docker-compose.yml does it in a one-shot service) or set STORY_AUTO_MIGRATE=true.
# One server process with one analysis process (STORY_ANALYSIS_PROCESSES): on two cores
# this ingests faster over HTTP than two or four server processes (README, Speed).
CMD ["story-clusters", "serve", "--host", "0.0.0.0", "--workers", "1"]
