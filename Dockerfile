# Kehu in a container, installed from the same release archive as a server (npm run release):
# the build stage builds the archive, the runtime stage unpacks it and nothing else. Runs as a
# non-root user, keeps everything in one volume, is configured by KEHU_* environment variables and
# is healthy when /readyz answers. docker/entrypoint.sh starts it the way the systemd unit does.
#
#   docker build -t kehu .
#   docker run -d --name kehu -p 3000:3000 -v kehu-data:/var/lib/kehu \
#     -e KEHU_BASE_URL=http://crm.example.local:3000 kehu
#   docker exec -it kehu kehu user:create --email you@example.com --password '…' --name You --role admin

FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles its native module when no prebuilt binary fits; git for the commit id.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY . .
# The commit goes into RELEASE.json (.git is not in the build context): docker build --build-arg KEHU_GIT_COMMIT=$(git rev-parse HEAD) .
ARG KEHU_GIT_COMMIT=unknown
RUN KEHU_GIT_COMMIT="$KEHU_GIT_COMMIT" npm run release -- --out /release

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    KEHU_HOST=0.0.0.0 \
    KEHU_PORT=3000 \
    KEHU_DATA_DIR=/var/lib/kehu
COPY --from=build /release/ /tmp/release/
RUN mkdir -p /opt/kehu \
 && tar -xzf /tmp/release/kehu-*-linux-x64-node20.tar.gz -C /opt/kehu --strip-components=1 --no-same-owner \
 && rm -rf /tmp/release \
 && ln -s /opt/kehu/docker/entrypoint.sh /usr/local/bin/kehu \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/kehu --no-create-home --shell /usr/sbin/nologin kehu \
 && mkdir -p /var/lib/kehu && chown kehu:kehu /var/lib/kehu && chmod 700 /var/lib/kehu
USER kehu
WORKDIR /var/lib/kehu
VOLUME ["/var/lib/kehu"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/opt/kehu/docker/healthcheck.js"]
ENTRYPOINT ["/opt/kehu/docker/entrypoint.sh"]
CMD ["serve"]
