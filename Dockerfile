# One image for every process of the service: it runs the JavaScript that `npm run build` compiles, on Node 24 LTS.
# Each container starts one compiled entry point (`dist/src/api/main.js`, `.../worker/main.js`, `.../db/migrate-cli.js`
# or `.../dev/receiver-main.js`; see docker-compose.yml) directly with node, not through npm, so that SIGTERM reaches
# the process and it shuts down cleanly. Debian, not Alpine: the Temporal worker's native core and the SWC bundler
# ship glibc builds.

# --- build: every dependency, the generated Prisma client, then the TypeScript compiled to dist/ -------------------
FROM node:24.22.3-bookworm-slim AS build

ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# Dependencies first, so a change in src/ reuses this layer. `npm ci` also generates the Prisma client
# (postinstall), which needs the schema and the generate script.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/prisma-generate.cjs scripts/
COPY prisma prisma
RUN npm ci --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY src src
RUN npm run build

# --- runtime: compiled code and runtime dependencies only; no TypeScript, tsx, Prisma CLI or tool installers -------
FROM node:24.22.3-bookworm-slim

ENV NODE_ENV=production NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
RUN chown node:node /app
# The image's unprivileged user; nothing below needs root.
USER node

# No install scripts: the Prisma client is already generated and compiled into dist/. The Node binary that the
# optional dependencies bring to development machines is removed: the image runs its own.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/node-linux-* node_modules/.bin/node \
  && npm cache clean --force

# The migration runner (dist/src/db/migrate.js) finds prisma/migrations above itself.
COPY --chown=node:node prisma/migrations prisma/migrations
COPY --from=build --chown=node:node /app/dist dist

# The API (the package.json script `api`, compiled)
CMD ["node", "dist/src/api/main.js"]
