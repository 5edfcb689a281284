# The RingScope app and CLI for docker-compose users (Neo4j runs in its own service).
# A plain (not editable) install, as a user's `pip install` would be: stored queries, the
# demo world and the app's pages are package data, and nothing is written inside the install.
FROM python:3.11-slim
COPY pyproject.toml README.md /tmp/ringscope/
COPY ringscope /tmp/ringscope/ringscope
COPY ingest /tmp/ringscope/ingest
COPY app /tmp/ringscope/app
COPY cypher /tmp/ringscope/cypher
COPY seed_data /tmp/ringscope/seed_data
RUN pip install --no-cache-dir /tmp/ringscope && rm -rf /tmp/ringscope
RUN useradd --create-home ringscope
USER ringscope
# State (.ringscope/) and evidence bundles (out/exports/) go under the working folder.
WORKDIR /home/ringscope
ENV RINGSCOPE_HOME=/home/ringscope/.ringscope \
    RINGSCOPE_EXPORT_DIR=/home/ringscope/exports
EXPOSE 8501
CMD ["ringscope", "app", "--address", "0.0.0.0", "--port", "8501"]
