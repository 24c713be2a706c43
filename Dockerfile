# syntax=docker/dockerfile:1
# Order Service image: build with `docker build -t order-service .`
# Stages: deps (all dependencies) → build (tsc + migrations into dist/) → prod-deps (runtime
# dependencies only) → runtime (node:24-bookworm-slim, non-root, tini as PID 1).

ARG NODE_IMAGE=node:24-bookworm-slim

# --- deps: every dependency, for the TypeScript build -------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- build: dist/src (service + migrations), dist/sandbox, dist/scripts --------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY sandbox ./sandbox
COPY scripts ./scripts
RUN npm run build

# --- prod-deps: runtime dependencies only (@opentelemetry/* for the --import, tsx for the sandbox)
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM/SIGINT to node (which drains for SHUTDOWN_GRACE_MS) and reaps
# zombies. Debian's package, so no download from outside the distribution.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

# The V8 heap: a young generation of 8 MiB a semi-space and an old one capped at 192 MiB keep the
# peak RSS under load at about 160 MiB (3× the live heap of 40 MiB at 50 concurrent creates);
# Node's defaults on a large host let it grow past 330 MiB (README, Performance). Override with
# -e NODE_OPTIONS=… for bigger pages or more concurrency.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=192" \
    PORT=3004 \
    LOG_DIR=/app/logs \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

COPY --chown=root:root package.json package-lock.json tsconfig.json ./
COPY --chown=root:root --from=prod-deps /app/node_modules ./node_modules
COPY --chown=root:root --from=build /app/dist ./dist
# The sandbox peers run from source through tsx (a runtime dependency): `node --import tsx sandbox/main.ts`.
COPY --chown=root:root sandbox ./sandbox

# Code is owned by root and read-only to the service; only LOG_DIR is writable (in Kubernetes an
# emptyDir is mounted over it and over /tmp, the root filesystem being read-only).
RUN mkdir -p /app/logs && chown 1000:1000 /app/logs
# uid 1000 is the image's `node` user; numeric so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

EXPOSE 3004
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3004)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
# What `npm start` runs after its build, without npm in between (npm would not forward signals).
CMD ["node", "--import", "./dist/src/observability/instrument.js", "dist/src/main.js"]
