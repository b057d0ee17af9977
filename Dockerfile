# vonage-numbers-mock: the Vonage Numbers API emulator as a container.
# Build stage: install the package into a virtualenv; the final image gets the virtualenv only,
# so build tools (hatchling, pip's caches) stay out of it.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mock_server ./mock_server
COPY fixtures ./fixtures
RUN python -m venv /opt/mock \
    && /opt/mock/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/mock/bin/pip uninstall --yes --quiet pip \
    && find /opt/mock -name '__pycache__' -prune -exec rm -rf {} +

FROM python:3.12-slim
COPY --from=build /opt/mock /opt/mock
# The shipped fixtures, replaceable by mounting a directory over /fixtures.
COPY fixtures /fixtures
RUN useradd --system --uid 10001 --home-dir /data --create-home mock \
    && mkdir -p /data/tls && chown -R mock /data

# Inside the container: listen on every interface; the generated CA (and a state file, if you set
# NUMBERS_MOCK_STATE_FILE=/data/state.json) live on the /data volume.
ENV PATH=/opt/mock/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    NUMBERS_MOCK_HOST=0.0.0.0 \
    NUMBERS_MOCK_PORT=8080 \
    NUMBERS_MOCK_HTTPS_PORT=8443 \
    NUMBERS_MOCK_FIXTURES=/fixtures/default.json \
    NUMBERS_MOCK_TLS_DIR=/data/tls
USER mock
VOLUME ["/data"]
# Both listen inside (HTTP 8080, HTTPS 8443). Only HTTPS is EXPOSEd: runners that publish
# "the" exposed port (docker run -P, CI checks) then reach the one the official SDKs speak.
# Publish HTTP explicitly when you want it: -p 8080:8080.
EXPOSE 8443

# Healthy once the state is loaded (/_mock/health answers 200 only then).
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=5 \
    CMD ["python", "-m", "mock_server.serving.healthcheck"]

CMD ["vonage-numbers-mock"]
