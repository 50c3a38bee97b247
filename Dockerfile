# syntax=docker/dockerfile:1
# The helpdesk as a container: a wheel built in one stage, installed into a slim Python
# image in the next, run as an unprivileged user. See docs/deploy.md.
#   docker build -t helpdesk-bot .
#   docker run --env-file .env helpdesk-bot            # migrate, then serve
#   docker run --env-file .env helpdesk-bot worker     # any helpdesk command

FROM python:3.12-slim-bookworm AS build
WORKDIR /src
RUN pip install --no-cache-dir "build==1.2.2.post1"
COPY pyproject.toml README.md run_bot.py ./
COPY core ./core
COPY persistence ./persistence
COPY conversations ./conversations
COPY adapters ./adapters
COPY bots ./bots
RUN python -m build --wheel --outdir /wheels .

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOG_FORMAT=json \
    ATTACHMENTS_DIR=/var/lib/helpdesk/attachments
RUN groupadd --system --gid 10001 helpdesk \
    && useradd --system --uid 10001 --gid helpdesk --home-dir /var/lib/helpdesk \
       --shell /usr/sbin/nologin helpdesk \
    && mkdir -p /var/lib/helpdesk/attachments \
    && chown -R helpdesk:helpdesk /var/lib/helpdesk
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY --chmod=755 deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER 10001:10001
WORKDIR /var/lib/helpdesk
VOLUME ["/var/lib/helpdesk/attachments"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8080') + '/healthz', timeout=2)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["serve"]
