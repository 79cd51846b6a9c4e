# Stage 1: compile src/ to dist/ with the dev dependencies (TypeScript).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY bin ./bin
# Transpiling needs no native addon: skip every install script here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY contracts-abi ./contracts-abi
COPY tsconfig.json ./
RUN node bin/build.js

# Stage 2: production dependencies only (no anvil, tsx or esbuild, so none of their install
# scripts run) and the compiled JavaScript, run as the unprivileged `node` user.
FROM node:20-bookworm-slim
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY bin ./bin
COPY --from=build /app/dist ./dist
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
  && apt-get purge -y python3 make g++ && apt-get autoremove -y \
  && mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
VOLUME ["/data"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/stablegate.js"]
