# syntax=docker/dockerfile:1
# Prescale's image: build with the Swift toolchain, run on Debian slim with only the shared libraries the
# binary links. The runtime packages are listed once, in deploy/image/packages.txt (CI checks that `ldd`
# of the built binary finds nothing outside them). CI builds the same image without a container engine
# (scripts/build-image: mmdebstrap + umoci, with this file's labels, user, entrypoint and ports) and starts
# it (scripts/test-image); .github/workflows/release.yml publishes this file's build for amd64 and arm64.
#
#   docker build -t ghcr.io/prescale/prescale:0.17.0 .
#
# The version label must equal `prescale --version` (Sources/PrescaleCore/PrescaleVersion.swift; checked in CI).

FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka-dev libmosquitto-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/build-release \
 && mkdir -p /out/swift \
 # Stripped; the symbols stay in this stage (/out/prescale.debug, linked by .gnu_debuglink).
 && objcopy --only-keep-debug "$(scripts/build-release --show-bin-path)/prescale" /out/prescale.debug \
 && strip --strip-all -o /out/prescale "$(scripts/build-release --show-bin-path)/prescale" \
 && objcopy --add-gnu-debuglink=/out/prescale.debug /out/prescale \
 # The Swift runtime is linked statically (scripts/build-release); should a toolchain library still be
 # linked dynamically, exactly those the binary links are copied.
 && ldd /out/prescale | awk '$3 ~ "^/usr/lib/swift/linux/" { print $3 }' | xargs -r cp -t /out/swift

FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="prescale" \
      org.opencontainers.image.description="A KEDA external scaler that predicts load: Kafka lag, MQTT rate, direct K3s scale-up" \
      org.opencontainers.image.version="0.17.0" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/prescale/prescale"
# Runtime libraries of the binary and of librdkafka / libmosquitto (TLS, SASL, compression).
COPY deploy/image/packages.txt /tmp/packages.txt
RUN apt-get update \
 && grep -v '^#' /tmp/packages.txt | xargs apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/packages.txt
# The binary's RUNPATH is the toolchain's /usr/lib/swift/linux: the runtime goes to the same place.
COPY --from=build /out/swift/ /usr/lib/swift/linux/
COPY --from=build /out/prescale /usr/local/bin/prescale
USER 65532:65532
EXPOSE 6000 8080
ENTRYPOINT ["/usr/local/bin/prescale"]
CMD ["serve"]
