# One image for every tracefed service. The gateway is the default command; the subgraphs override it
# (see docker-compose.yml). The services are compiled to JavaScript at build time (npm run build, into
# dist/) and run by plain node: loading TypeScript through tsx at run time cost each process about 65 MB
# of memory (bench/results/gateway-memory-2026-11-28.md). The dev dependencies (TypeScript) are
# installed for that build.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so a source-only change reuses this layer. npm ci needs every workspace's
# package.json to lay out the workspace links, hence the explicit list.
COPY package.json package-lock.json ./
COPY subgraphs/kit/package.json subgraphs/kit/
COPY subgraphs/manufacturer/package.json subgraphs/manufacturer/
COPY subgraphs/distributor/package.json subgraphs/distributor/
COPY subgraphs/dispenser/package.json subgraphs/dispenser/
COPY subgraphs/logistics/package.json subgraphs/logistics/
COPY gateway/package.json gateway/
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force

COPY . .
RUN npm run build

# DATA_DIR is only used when a subgraph gets no <NAME>_DATABASE_URL (embedded PGlite); give the
# unprivileged user a writable place for it.
RUN mkdir -p /data && chown node:node /data

ENV NODE_ENV=production \
    APOLLO_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 \
    DATA_DIR=/data

USER node

EXPOSE 4000 4001 4002 4003 4004

# Every service answers GET /health on its own PORT (the gateway's default is 4000).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

# node itself is the process: it receives SIGTERM and shuts down cleanly.
CMD ["node", "dist/gateway/src/main.js"]
