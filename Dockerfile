# Kehu in a container: build with dev dependencies, run with production ones as a non-root user,
# data in one volume, configured by environment (KEHU_*), healthy when /readyz answers.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native modules (better-sqlite3, argon2) build from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY bin ./bin
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production KEHU_HOST=0.0.0.0 KEHU_PORT=3000 KEHU_DATA_DIR=/data
WORKDIR /opt/kehu
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE ./
COPY bin ./bin
COPY config ./config
COPY migrations ./migrations
COPY views ./views
COPY locales ./locales
COPY public ./public
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.KEHU_PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js", "serve"]
