# mxv: one image for every role (worker, api, enqueue, status, check); the
# command line picks the role. Build: docker build -t mxv .
#
# Stage 1 installs with the lockfile and compiles; stage 2 drops dev
# dependencies and sources; the runtime stage is the slim Node image with the
# pruned tree, run as the unprivileged `node` user.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN npm install -g pnpm@12.4.2
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json ./
COPY packages/schema/package.json packages/schema/
COPY packages/probe/package.json packages/probe/
COPY packages/fleet/package.json packages/fleet/
COPY packages/testkit/package.json packages/testkit/
COPY apps/cli/package.json apps/cli/
COPY apps/api/package.json apps/api/
RUN pnpm install --frozen-lockfile
COPY packages packages
COPY apps apps
RUN pnpm exec tsc -b

FROM build AS prune
# Same lockfile, production dependencies only (pnpm removes the dev ones in place; nothing is downloaded).
RUN CI=true pnpm install --frozen-lockfile --prod --offline \
  && rm -rf packages/*/src packages/*/test apps/*/src apps/*/test packages/*/tsconfig*.json apps/*/tsconfig*.json \
  && find . -name '*.tsbuildinfo' -delete

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prune --chown=node:node /app /app
USER node
# Worker metrics/health (--metrics-port 9464) and the API (8080).
EXPOSE 9464 8080
ENTRYPOINT ["node", "/app/apps/cli/dist/main.js"]
CMD ["--help"]
