# vonage-numbers-mock: the Vonage Numbers API emulator as a container.
FROM python:3.12-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY mock_server ./mock_server
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --create-home mock

# Inside the container: listen on every interface, keep the generated CA on the /data volume.
ENV NUMBERS_MOCK_HOST=0.0.0.0 \
    NUMBERS_MOCK_PORT=8080 \
    NUMBERS_MOCK_HTTPS_PORT=8443 \
    NUMBERS_MOCK_TLS_DIR=/data/tls
USER mock
VOLUME ["/data"]
EXPOSE 8080 8443

# Healthy once the fixtures are loaded; python's urllib, since the slim image has no curl.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/_mock/health', timeout=2)"]

CMD ["vonage-numbers-mock"]
