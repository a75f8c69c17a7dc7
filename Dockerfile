# launchgate as a container image: a static (musl) binary on Alpine with the tools the checks
# run (git for git state, bash for `bash -n`), as a non-root user. How to run it in CI:
# docs/ci.md ("Container image"). Built and pushed by hand for now: docs/releasing.md.
#
#   docker build -t launchgate .
#   docker run --rm -v "$PWD:/repo" launchgate check . --format human

FROM rust:1.88-alpine3.21 AS build
# Package versions are not pinned: Alpine drops superseded versions from its mirrors, so an
# exact pin stops building at the next security update; the base image tags pin the release.
# musl-dev: the C runtime ring's build needs for a static musl binary.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
ENV CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_PROFILE_RELEASE_DEBUG=false
RUN cargo build --release --locked --bin launchgate \
    && ./target/release/launchgate --version

FROM alpine:3.21
# The repository is mounted from the host and owned by another user: git refuses such a
# work tree unless it is marked safe, and launchgate reads git state through git.
# hadolint ignore=DL3018
RUN apk add --no-cache bash git ca-certificates \
    && git config --system --add safe.directory '*' \
    && adduser -D -u 10001 -h /home/launchgate launchgate
COPY --from=build /src/target/release/launchgate /usr/local/bin/launchgate
USER 10001
WORKDIR /repo
ENTRYPOINT ["launchgate"]
CMD ["check", "."]
