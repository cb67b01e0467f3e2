# syntax=docker/dockerfile:1
#
# tracebook's container image: one binary, `tracebook`, for every role (serve, worker, migrate,
# enqueue, user ...); docker-compose.yml (local) and docker-compose-deploy.yml (production) pick
# the role with the command. No HEALTHCHECK here: each compose file gives every service its own.
#
#   docker build -t tracebook .
#
# Checked by tests/it/compose.rs (stages, non-root user, --locked), and started for real with
# both compose files by scripts/compose-test.sh (target `prebuilt`, see below).
#
# Stage order matters: runtime-base and prebuilt come before the Rust stage so that the classic
# builder, which builds every stage up to its --target, can make `prebuilt` without the rust
# image; BuildKit (the default) builds only the stages the target needs.

ARG RUST_VERSION=1.89
# The runtime's base image (see the runtime stages below).
ARG RUNTIME_BASE=debian:bookworm-slim

# --- runtime -------------------------------------------------------------------------------
# Everything of the runtime image but the binary. Two stages below finish it: `runtime` (the
# default, the last stage) with the binary compiled above, and `prebuilt` with a binary from
# the build context, which the compose test (scripts/compose-test.sh) uses on machines with
# no registry: the same runtime, only the binary's origin differs. RUNTIME_BASE lets that test
# substitute a locally made Debian base; everyone else gets debian:bookworm-slim.
FROM ${RUNTIME_BASE} AS runtime-base

# git: the content is a git repository (edits become commits, workers fetch and check out);
# ca-certificates: https remotes; curl: the compose health checks call GET /healthz with it
# (the image has no other HTTP client, and a bash /dev/tcp probe cannot check the status line
# or follow HTTP properly).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

# A non-root user. Its uid/gid default to 1000, the usual first user of a Linux host, so a
# bind-mounted content repository stays writable; build with --build-arg UID=... GID=... to
# match another owner. An id the image already has (GID 0 for a root-owned folder, 100 for
# `users`) is shared rather than refused (`--non-unique`); UID=0 makes `tracebook` another
# name for root, which is what writing to a root-owned folder takes. /site is created here,
# owned by that user, so a named volume mounted there starts with the right owner (Docker
# copies the image folder's owner into a new volume).
ARG UID=1000
ARG GID=1000
RUN groupadd --non-unique --gid "${GID}" tracebook \
    && useradd --non-unique --uid "${UID}" --gid "${GID}" --create-home \
        --home-dir /home/tracebook --shell /usr/sbin/nologin tracebook \
    && mkdir -p /content /site \
    && chown "${UID}:${GID}" /content /site \
    && git config --system --add safe.directory /content

USER tracebook:tracebook
WORKDIR /content
ENV TRACEBOOK_BIND=0.0.0.0 \
    TRACEBOOK_PORT=8080
EXPOSE 8080
ENTRYPOINT ["tracebook"]
CMD ["serve", "/content", "--out", "/site/public"]

# The compose test's image: `docker build --target prebuilt` on a context holding only a
# `tracebook` binary built for bookworm. Before the Rust stage on purpose: the classic builder
# builds every stage up to its target, and stops here.
FROM runtime-base AS prebuilt
COPY tracebook /usr/local/bin/tracebook

# --- build ---------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src

# Dependencies first, in their own layer: only the manifests and the lock file are copied, the
# crates get empty sources, and the whole dependency graph is compiled. This layer is reused
# until a Cargo.toml or Cargo.lock changes, so a source-only change rebuilds our own crates only.
COPY Cargo.toml Cargo.lock ./
COPY model/Cargo.toml model/
COPY generator/Cargo.toml generator/
COPY edit/Cargo.toml edit/
COPY store/Cargo.toml store/build.rs store/
COPY api/Cargo.toml api/
COPY worker/Cargo.toml worker/
COPY test-support/Cargo.toml test-support/
RUN mkdir -p src model/src generator/src generator/benches edit/src store/src api/src worker/src \
        test-support/src tests/it \
    && echo 'fn main() {}' > src/main.rs \
    && touch model/src/lib.rs generator/src/lib.rs edit/src/lib.rs store/src/lib.rs \
        api/src/lib.rs worker/src/lib.rs test-support/src/lib.rs \
    && echo 'fn main() {}' > generator/benches/incremental.rs \
    && echo 'fn main() {}' > generator/benches/search.rs \
    && echo 'fn main() {}' > tests/it/main.rs \
    && cargo build --release --locked --bin tracebook \
    && rm -rf src model/src generator/src generator/benches edit/src store/src api/src worker/src \
        test-support/src tests/it

# The sources. The store crate embeds migrations/ (sqlx::migrate!), the api crate api/templates/, the
# generator embeds themes/default/ (include_dir!): they come with `COPY . .` (see .dockerignore
# for what stays out). COPY keeps the files' times, which can be older than the stub build
# above: touching each crate root makes cargo compile the real sources.
COPY . .
RUN touch src/main.rs model/src/lib.rs generator/src/lib.rs edit/src/lib.rs store/src/lib.rs \
        api/src/lib.rs worker/src/lib.rs test-support/src/lib.rs \
    && cargo build --release --locked --bin tracebook \
    && install -m 0755 target/release/tracebook /usr/local/bin/tracebook

# The image everyone else builds: `docker build .`, `docker compose up --build`.
FROM runtime-base AS runtime
COPY --from=build /usr/local/bin/tracebook /usr/local/bin/tracebook
