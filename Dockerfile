# syntax=docker/dockerfile:1
# scrapefeed in a container: see docs/install.md.
#
#   docker build -t scrapefeed .
#   docker run -d -p 8080:8080 -v "$PWD/config:/config:ro" -v scrapefeed-data:/data scrapefeed
#
# The config is read from /config/config.toml (mount it read-only); the database and the feed
# files go to /data (a volume: they survive a new image).

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
# BuildKit cache mounts keep the registry and the compiled dependencies between builds; the
# binary is copied out of the cached target directory, which the image does not keep.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -m 0755 target/release/scrapefeed /usr/local/bin/scrapefeed

FROM debian:bookworm-slim
# No packages to add: sites are fetched over HTTPS with the root certificates built into the
# binary (reqwest's rustls with webpki-roots), and the health check uses bash, already there.
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin scrapefeed \
    && install -d -o scrapefeed -g scrapefeed -m 0700 /data \
    && install -d -m 0755 /config
COPY --from=build /usr/local/bin/scrapefeed /usr/local/bin/scrapefeed
COPY config.toml /config/config.toml

# STATE_DIRECTORY is where the database goes by default (as under systemd); the feed files
# go beside it. Logs are one JSON object per line, for `docker logs` and log collectors
# (set SCRAPEFEED_LOG_FORMAT=text for the readable form).
ENV SCRAPEFEED_CONFIG=/config/config.toml \
    STATE_DIRECTORY=/data \
    SCRAPEFEED_FEEDS_DIR=/data/feeds \
    SCRAPEFEED_LOG_FORMAT=json
VOLUME ["/config", "/data"]
USER scrapefeed
WORKDIR /data
EXPOSE 8080

# No curl or wget in the image: bash's /dev/tcp asks /healthz, which answers 200 while any
# section is healthy and 503 when every section fails or the database takes no writes.
HEALTHCHECK --interval=1m --timeout=10s --start-period=30s \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/usr/local/bin/scrapefeed"]
# Inside a container the server must listen on every interface to be reachable through -p.
CMD ["serve", "--listen", "0.0.0.0:8080"]
