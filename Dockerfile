# The worker image (ECS Fargate, ARM64; see WorkerTaskDefinition in resources/compute.yml).
# Build from the repository root: docker build --platform linux/arm64 -t entity-platform-worker .
# Only the esbuild bundle of src/worker/main.ts goes into the image: no node_modules, no sources.

FROM node:24-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the `node` devDependency would fetch a second Node; the image's own runs the build.
RUN npm ci --ignore-scripts --no-audit --no-fund && rm -f node_modules/.bin/node
COPY tsconfig.json ./
COPY src ./src
RUN npm run build:worker

FROM node:24-alpine
ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build --chown=root:root /src/dist/worker/main.cjs /src/dist/worker/main.cjs.map ./
# The task definition runs as 1000:1000 with a read-only root filesystem; `node` is that user.
USER node
ENTRYPOINT ["node", "/app/main.cjs"]
CMD ["--help"]
