# syntax=docker/dockerfile:1
# The operator image: `nodepool-operator run` on Node.js 24, production dependencies only, as a non-root user,
# on a read-only root filesystem (the chart mounts an emptyDir at /tmp, the only place it may write).
#   docker build -t REGISTRY/alicloud-nodepool-operator:0.1.0 .
#
# Both base images are pinned by digest (multi-platform index digests), so a rebuild gets the same bytes; the
# tag beside each digest says what it is and is what a dependency bot compares. Override them with
# --build-arg (the tests build from local stand-ins, as no registry is reachable there; docs/packaging.md).
#   BASE: Node.js and npm, to compile the TypeScript and install the production dependencies.
#   RUNTIME_BASE: glibc and libstdc++ (what the node binary links against), CA certificates and tzdata — no
#     shell, no package manager, no npm or corepack. The node binary is copied in from BASE.
ARG BASE=node:24.21.0-bookworm-slim@sha256:2fe369e969550cde8e867afc3fe370b260140cab4a23d467074295b42163d553
ARG RUNTIME_BASE=gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f

# --- build: compile TypeScript, then drop everything the runtime does not need ---------------------------
FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# `npm ci` installs exactly what the lockfile pins. No install scripts run (allowScripts in package.json).
# --omit=optional: the optional dependencies are the Node binary for `npm start` and native builds of test
# tools; compiling needs neither.
RUN npm ci --omit=optional --no-fund --no-audit
COPY src ./src
# Then only what runs stays: the production dependencies, without the TypeScript sources, type declarations,
# source maps and READMEs some packages ship (about half of their size; nothing loads them at run time).
RUN npm run build \
  && npm prune --omit=dev --omit=optional --no-fund --no-audit \
  && find dist -name "*.map" -delete \
  && find node_modules -type f \( -name "*.ts" -o -name "*.mts" -o -name "*.cts" -o -name "*.map" -o -name "*.md" \) -delete

# --- runtime --------------------------------------------------------------------------------------------
FROM ${RUNTIME_BASE}
# MALLOC_ARENA_MAX: glibc keeps up to 8 malloc arenas per core, each holding memory freed by the threads that
# used it; two are plenty for one event loop and its few helper threads and keep ~25 MB of resident memory
# off at 1,000 nodes (`npm run bench:nodepool`, docs/nodepool.md).
# NODE_OPTIONS=--max-semi-space-size=8: V8's young generation grows to 3 × 32-64 MB in a burst of reconciles and
# keeps it; 8 MB semi-spaces hold it to 16 MB, and the operator's heap pacer (src/runtime/memory.ts) keeps the old
# generation near its live set: RSS ~190-205 MB (was 343-392) through a 100-node rotation (`npm run bench:automation`,
# docs/automation.md). A NODE_OPTIONS set through the chart's extraEnv replaces this one: keep the flag in it.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-semi-space-size=8
# the node binary alone: npm, npx and corepack stay in the build stage
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY bootstrap ./bootstrap
COPY crds ./crds
# 65532: the chart's runAsUser ("nonroot" in the runtime base); files stay root-owned and read-only to it.
USER 65532:65532
# `run` handles SIGTERM itself (as PID 1 Node gets no default handlers, so the handler is explicit): intake
# stops, in-flight reconciles finish within --graceful-shutdown-timeout, the Lease is released, exit 0.
STOPSIGNAL SIGTERM
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/node", "bin/nodepool-operator.js"]
CMD ["run"]
