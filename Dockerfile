# Image for the "SPECTRA plan gate" Docker action. The runner builds it from
# this file for every job, so it stays small and installs only runtime deps.
#
# Build stage: install the package and its runtime dependencies into a venv at
# the versions pinned in constraints.txt. The source tree and pip's build files
# stay in this stage.
FROM python:3.12-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src

# The dependencies get their own layer, which Docker rebuilds only when
# pyproject.toml or constraints.txt change, not on every source edit.
# constraints.txt also pins the test tools, but pip installs only what the
# package declares as dependencies, so those pins just fix the versions.
COPY pyproject.toml constraints.txt /src/
RUN python -m venv /opt/venv \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir -c constraints.txt -r /tmp/requirements.txt

COPY . /src
RUN /opt/venv/bin/pip install --no-cache-dir -c constraints.txt . \
    && /opt/venv/bin/python -c "import spectra_action"

# Runtime stage: the same base with git (for diffs and fetching PR refs),
# tini, and the venv from the build stage.
FROM python:3.12-slim-bookworm

# The apt packages are not pinned (DL3008): the Debian archive keeps only the
# latest build of each package, so an exact pin fails after a security update.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git bash ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# No USER: Docker actions must run as root, because the workspace and the
# file-command files belong to the runner's user and another user could not
# write them. No WORKDIR either, because the runner passes
# --workdir /github/workspace.
# tini runs as PID 1, so it reaps verify commands' orphaned grandchildren
# and passes the runner's stop signal on when a job is cancelled.
ENTRYPOINT ["/usr/bin/tini", "--", "spectra-action"]
