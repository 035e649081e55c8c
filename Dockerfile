# syntax=docker/dockerfile:1
# The operator image: `nodepool-operator run` on Node.js 24, production dependencies only, as a non-root user,
# on a read-only root filesystem (the chart mounts an emptyDir at /tmp, the only place it may write).
#   docker build -t alicloud-nodepool-operator:0.1.0 .
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: compile TypeScript, then drop everything the runtime does not need ---------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# `npm ci` installs exactly what the lockfile pins. No install scripts run (allowScripts in package.json).
RUN npm ci --no-fund --no-audit
COPY src ./src
RUN npm run build \
  && npm prune --omit=dev --omit=optional --no-fund --no-audit \
  && find dist -name "*.map" -delete

# --- runtime --------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# MALLOC_ARENA_MAX: glibc keeps up to 8 malloc arenas per core, each holding memory freed by the threads that
# used it; two are plenty for one event loop and its few helper threads and keep ~25 MB of resident memory
# off at 1,000 nodes (`npm run bench:nodepool`, docs/nodepool.md).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY bootstrap ./bootstrap
COPY crds ./crds
# 65532: a user with no entry and no home, the chart's runAsUser; files stay root-owned and read-only to it.
USER 65532:65532
# `run` handles SIGTERM itself (as PID 1 Node gets no default handlers, so the handler is explicit): intake
# stops, in-flight reconciles finish within --graceful-shutdown-timeout, the Lease is released, exit 0.
STOPSIGNAL SIGTERM
EXPOSE 8080 8081
ENTRYPOINT ["node", "bin/nodepool-operator.js"]
CMD ["run"]
