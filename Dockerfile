# One image for every process of the service. Each container runs the command of one package.json script (`api`,
# `worker`, `migrate` or `receiver`; see docker-compose.yml) directly, not through `npm run`, so that SIGTERM reaches
# the process and it shuts down cleanly. TypeScript runs through tsx, as with `npm start`.
# Debian, not Alpine: the Temporal worker's native core and the SWC bundler ship glibc builds.
FROM node:20.20.2-bookworm-slim

ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
RUN chown node:node /app
# The image's unprivileged user; nothing below needs root.
USER node

# Dependencies first, so a change in src/ reuses this layer. `npm ci` also generates the Prisma client
# (postinstall), which needs the schema and the generate script.
COPY --chown=node:node package.json package-lock.json prisma.config.ts ./
COPY --chown=node:node scripts/prisma-generate.cjs scripts/
COPY --chown=node:node prisma prisma
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node tsconfig.json ./
COPY --chown=node:node src src

# npm run api
CMD ["node", "--import", "tsx", "src/api/main.ts"]
