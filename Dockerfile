# mxv: one image for every role (worker, api, enqueue, status, check); the
# command line picks the role. Build: docker build -t mxv .
#
# The build stage installs with the lockfile, compiles and bundles the CLI with
# its dependencies (apps/cli/scripts/bundle.mjs); the runtime stage is the slim
# Node image with that bundle alone (no node_modules: nothing loads from
# there), run as the unprivileged `node` user.

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
RUN pnpm run --silent build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json: `mxv --version` reads it, and it says the bundle's .js files are ES modules.
COPY --from=build --chown=node:node /app/apps/cli/package.json /app/apps/cli/package.json
COPY --from=build --chown=node:node /app/apps/cli/bundle /app/apps/cli/bundle
USER node
# Worker metrics/health (--metrics-port 9464) and the API (8080).
EXPOSE 9464 8080
ENTRYPOINT ["node", "/app/apps/cli/bundle/main.js"]
CMD ["--help"]
