# mail2ticket mailbox daemon.
#   docker build -t mail2ticket .
#   docker run -d --name mail2ticket -v /srv/mail2ticket/config.json:/etc/mail2ticket/config.json:ro \
#     -v mail2ticket-state:/var/lib/mail2ticket -e IMAP_PASSWORD=... -p 127.0.0.1:9464:9464 mail2ticket
# The config should set "stateDir": "/var/lib/mail2ticket" and, for /healthz and /metrics,
# "daemon": { "http": { "host": "0.0.0.0", "port": 9464 } }.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds a native module when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY scripts/patch-deps.mjs ./scripts/
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 && node scripts/patch-deps.mjs && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY package.json ./
RUN mkdir -p /var/lib/mail2ticket /etc/mail2ticket && chown node:node /var/lib/mail2ticket
USER node
VOLUME ["/var/lib/mail2ticket"]
EXPOSE 9464
# tini-like signal handling is not needed: node is PID 1 and the daemon handles SIGTERM itself
# (drain, exit 0). `docker stop -t 45` leaves room for daemon.shutdownGraceMs.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/mail2ticket.js"]
CMD ["run", "--config", "/etc/mail2ticket/config.json"]
