# plowbox container image: one static binary on distroless (CA certificates, a non-root
# user, no shell). Build: docker build --build-arg VERSION=1.2.0 -t plowbox .
# Run:   docker run -p 9090:9090 -v plowbox-data:/data plowbox
# The build stage's commands are run outside Docker by deploy/deploy_test.go.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY third_party/ third_party/
RUN go mod download
COPY . .
ARG VERSION=dev
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/plowbox ./cmd/plowbox
RUN mkdir -p /out/data /out/config

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/plowbox /usr/local/bin/plowbox
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/config /config
# Settings are PLOWBOX_<OPTION> variables (plowbox serve --help); Micro's
# MICRO_SSL_CERT_PASSWORD turns on HTTPS with /config/ssl-certificate.p12.
ENV PLOWBOX_DATA=/data \
    PLOWBOX_CONFIG_DIR=/config \
    PLOWBOX_ADDR=:9090
VOLUME /data
EXPOSE 9090 9543
USER 65532:65532
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/plowbox", "health", "--ready"]
ENTRYPOINT ["/usr/local/bin/plowbox", "serve"]
