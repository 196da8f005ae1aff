# syntax=docker/dockerfile:1

# Build:  docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t forgeai/platform .
# Run:    docker run --rm forgeai/platform version
# The image runs one binary; the subcommand (api, worker, migrate) is the CMD,
# so docker-compose.yml uses the same image for every platform service.

ARG GO_VERSION=1.26

# ---- build ------------------------------------------------------------------
# The builder runs on the build machine's platform and cross-compiles for the
# target one, so multi-arch builds (buildx --platform) need no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Modules first, in their own layer: source edits do not re-download them.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .

ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/root/.cache/go-build \
    GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/platform ./cmd/platform \
 && mkdir -p /out/data

# ---- run --------------------------------------------------------------------
# distroless static: no shell, no package manager, CA certificates and tzdata
# only; the :nonroot tag runs as uid/gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot

# DATA_DIR is owned by the runtime user, so a named volume mounted there starts
# writable (Docker copies the directory's ownership into an empty volume).
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/platform /usr/local/bin/platform

# With WORKDIR /, the relative defaults (DATA_DIR=data, DATABASE_URL=
# sqlite://data/platform.db) also land in /data when the image runs alone.
ENV DATA_DIR=/data
WORKDIR /
USER 65532:65532

# HTTP_ADDR (API) and APPS_ADDR (apps host, a separate origin).
EXPOSE 8080 8081

ENTRYPOINT ["/usr/local/bin/platform"]
CMD ["api"]
