# The riskwire worker image used by docker-compose.yml (Apache Kafka, so no embedded broker).
# Build, run and smoke test: docs/production.md.
#
# Stage one installs riskwire with its production extra (rocksdict, the RocksDB table store) in
# a virtualenv; stage two copies only that virtualenv and runs it as the unprivileged user
# riskwire (uid and gid 10001), which owns nothing but its data directory: code and system files
# stay read-only to it. RISKWIRE_DATA_DIR is that directory (a volume in docker-compose.yml);
# the tables live under it, in <namespace>/v1/tables/<table>-<partition>.db.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/riskwire
WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY detectors ./detectors
COPY connectors ./connectors
COPY streams ./streams
COPY cli ./cli
COPY lab ./lab
RUN /opt/riskwire/bin/pip install '.[prod]' \
 && /opt/riskwire/bin/python -c "import rocksdict, streams.worker"

FROM python:3.11-slim
RUN groupadd --gid 10001 riskwire \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/riskwire \
      --shell /usr/sbin/nologin riskwire \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/riskwire
COPY --from=build /opt/riskwire /opt/riskwire
ENV PATH=/opt/riskwire/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/var/lib/riskwire \
    RISKWIRE_STORE=rocksdb:// \
    RISKWIRE_DATA_DIR=/var/lib/riskwire \
    RISKWIRE_WEB_HOST=0.0.0.0 \
    RISKWIRE_WEB_PORT=6066
WORKDIR /var/lib/riskwire
USER 10001:10001
EXPOSE 6066
# alive: the web server answers and Redis pings (docker-compose.yml asks /ready instead)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=4 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/health' % os.environ['RISKWIRE_WEB_PORT'], timeout=4)"]
CMD ["riskwire", "worker"]
