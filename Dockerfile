# Rebook's container image. Three stages: `build` (every dependency; compiles the server into dist and builds the staff
# web app into web/dist), `deps` (production dependencies only) and the runtime image (non-root, compiled JavaScript,
# no TypeScript sources, tests, benchmarks or the PKB sandbox emulator, which production never starts).
# docs/operations.md says how to build, run and check it; scripts/image-files.sh assembles the same file set without a
# Docker daemon and checks it.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
# Listen on every interface inside the container; the embedded store (only for a single instance) lives in DATA_DIR.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/var/lib/rebook
# The JavaScript heap's limit, as `npm start` sets it (package.json config.heapMb; docs/performance.md, "Memory"):
# without it V8 lets garbage grow towards its default limit (~4 GB on a 64-bit machine with enough memory) before
# collecting. Setting NODE_OPTIONS for the container replaces this line: include --max-old-space-size in yours.
ENV NODE_OPTIONS=--max-old-space-size=192
# glibc's malloc with its trim and mmap thresholds fixed at their initial 128 KiB, as `npm start` sets them
# (package.json config.mallocTrimThreshold; docs/performance.md, "Memory: malloc's freed memory"): by default glibc
# raises them each time a block it had mapped on its own is freed, and then keeps more freed memory in the process;
# with the embedded store that was 10-20 MiB at the peak.
ENV MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
# The compiled server, and the SQL migrations it reads from their folder in the sources (no TypeScript in the image).
COPY --from=build /app/dist ./dist
COPY src/store/migrations ./src/store/migrations
COPY --from=build /app/web/dist ./web/dist
RUN mkdir -p /var/lib/rebook && chown node:node /var/lib/rebook
# The application files stay owned by root: the process (user node) can read them, not change them.
USER node
EXPOSE 3000
# Liveness: the process answers (readiness, /health/ready, is for the load balancer). Node's fetch: no curl here.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# V8's young generation, set whatever Node's default (16 MB semi-spaces on Node 20, 64 on Node 24), as `npm start` sets
# it (package.json config.semiSpaceMb and config.postgresSemiSpaceMb; docs/performance.md, "A larger young generation
# with PostgreSQL"): 32 MB with PostgreSQL (DATABASE_URL set), about 12% less of Rebook's CPU per request than 16 for
# ~30 MiB more memory; 16 MB on the embedded store, whose memory is nearer the 300 MB goal. It goes before NODE_OPTIONS,
# so a --max-semi-space-size of yours wins. The shell only chooses it: `exec` leaves node as the container's first
# process, which receives its signals.
CMD ["/bin/sh", "-c", "if [ -n \"$DATABASE_URL\" ]; then young=32; else young=16; fi; export NODE_OPTIONS=\"--max-semi-space-size=$young $NODE_OPTIONS\"; exec node dist/cli.js start"]
