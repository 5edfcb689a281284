# The RingScope app and CLI for docker-compose users (Neo4j runs in its own service).
FROM python:3.11-slim
WORKDIR /opt/ringscope
COPY pyproject.toml README.md ./
COPY ringscope ringscope
COPY ingest ingest
COPY app app
COPY cypher cypher
COPY seed_data seed_data
RUN pip install --no-cache-dir -e .
RUN useradd --create-home ringscope
USER ringscope
EXPOSE 8501
CMD ["ringscope", "app", "--address", "0.0.0.0", "--port", "8501"]
