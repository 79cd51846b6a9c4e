FROM node:20-bookworm-slim
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY contracts-abi ./contracts-abi
ENV NODE_ENV=production PORT=3000
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/stablegate.js"]
