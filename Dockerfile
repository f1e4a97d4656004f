# The heimdall image: every subcommand, run as an unprivileged user.
#
#   scripts/docker-image.sh        # makes the base locally, then builds this
#   docker run --rm heimdall:latest --help
#
# BASE must exist locally: builds use --pull=false and no registry is
# reached (scripts/docker-image.sh makes debian:bookworm-slim with
# debootstrap when it is missing).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends build-essential cmake pkg-config \
      libsvm-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev \
      libtomlplusplus-dev libsqlite3-dev libcurl4-openssl-dev \
      prometheus-cpp-dev libhttp-parser-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake ./cmake
# The dashboard's files and uPlot, embedded in the binary (uPlot comes from
# web/node_modules: scripts/bootstrap.sh runs `npm ci` there).
COPY web/index.html web/app.js web/style.css ./web/
COPY web/node_modules/uplot ./web/node_modules/uplot
COPY src ./src
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
      -DHEIMDALL_BUILD_TESTS=OFF -DHEIMDALL_BUILD_BENCH=OFF >/dev/null \
 && cmake --build build -j"$(nproc)" --target heimdall \
 && strip build/heimdall \
 && build/heimdall train --out /src/model.json

FROM ${BASE}
# Only the shared libraries the binary links (readelf -d build/heimdall).
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends libsvm3 libprometheus-cpp-core1.0 \
      libhttp-parser2.9 libspdlog1.10 libfmt9 libcurl4 libsqlite3-0 \
      libtomlplusplus3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && useradd --system --uid 10001 --user-group --create-home \
      --home-dir /var/lib/heimdall heimdall \
 && install -d -o heimdall -g heimdall /var/lib/heimdall/state
COPY --from=build /src/build/heimdall /usr/local/bin/heimdall
# The default model (trained on the built-in healthy set), for `serve`.
COPY --from=build /src/model.json /usr/share/heimdall/model.json
USER heimdall
# A volume mounted on /var/lib/heimdall/state (for `up --state-dir`) starts
# out owned by heimdall.
WORKDIR /var/lib/heimdall
# simulate, serve, and the control API of `up`.
EXPOSE 5001 5002 8080
# heimdall takes SIGTERM itself (also as PID 1), so `docker stop` is quick.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/heimdall"]
CMD ["--help"]
