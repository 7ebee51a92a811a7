# The riskwire worker image used by docker-compose.yml (Apache Kafka, so no embedded broker).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY detectors ./detectors
COPY connectors ./connectors
COPY streams ./streams
COPY cli ./cli
COPY lab ./lab
RUN pip install --no-cache-dir .
USER nobody
CMD ["riskwire", "worker"]
