"""GitHub's published REST and webhook descriptions, loaded once per process.

The files come from ``scripts/fetch-github-specs``, which downloads the pinned
npm packages ``@octokit/openapi`` and ``@octokit/webhooks-schemas`` into
``.cache/github-specs/``. Loading runs that script when a file is missing.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft7Validator, FormatChecker
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / ".cache" / "github-specs"
FETCH_SCRIPT = ROOT / "scripts" / "fetch-github-specs"
REDUCED_SPEC = CACHE_DIR / "api.github.com.reduced.json"
WEBHOOKS_SCHEMA = CACHE_DIR / "webhooks-schema.json"


class SpecUnavailableError(RuntimeError):
    """The pinned GitHub descriptions could not be fetched or read."""


_fetch_lock = threading.Lock()
_fetched = False


def ensure_specs() -> Path:
    """Run the fetch script once per process and return the cache folder.

    The script returns at once when the cache matches the pins and the
    operation list, and rebuilds the reduced description when either changed.
    Raises ``SpecUnavailableError`` with the script's stderr when it fails, for
    example when npm cannot reach its registry.
    """
    global _fetched
    with _fetch_lock:
        if _fetched:
            return CACHE_DIR
        completed = subprocess.run(
            [sys.executable, str(FETCH_SCRIPT)],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise SpecUnavailableError(
                f"{FETCH_SCRIPT} failed with exit code {completed.returncode}, so "
                "the fake GitHub has no OpenAPI description to validate against. "
                "Check that npm can reach its registry, then rerun the script.\n"
                f"{completed.stderr.strip()}"
            )
        _fetched = True
        return CACHE_DIR


@functools.cache
def rest_description() -> dict[str, Any]:
    """Load the reduced REST description as plain JSON data."""
    ensure_specs()
    document: dict[str, Any] = json.loads(REDUCED_SPEC.read_text(encoding="utf-8"))
    return document


@functools.cache
def openapi() -> OpenAPI:
    """Build the shared openapi-core object for the reduced REST description."""
    document = allow_null_in_nullable_enums(rest_description())
    # The description only lists https://api.github.com. A relative server "/"
    # lets openapi-core match requests sent to any local origin.
    document["servers"] = [*document.get("servers", []), {"url": "/"}]
    # Skip checking the description itself: that check is slow (about 14 s on
    # the full file) and tests GitHub's file, not the traffic of the tests.
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


@functools.cache
def webhooks_schema() -> dict[str, Any]:
    """Load the draft-07 webhook schema with one definition per ``event$action``."""
    ensure_specs()
    document: dict[str, Any] = json.loads(WEBHOOKS_SCHEMA.read_text(encoding="utf-8"))
    return document


@functools.cache
def webhook_validator(definition: str) -> Draft7Validator:
    """Build a validator for one definition, such as ``issue_comment$created``."""
    schema = webhooks_schema()
    if definition not in schema["definitions"]:
        raise KeyError(f"webhook schema has no definition {definition!r}")
    wrapper = {
        "$ref": f"#/definitions/{definition}",
        "definitions": schema["definitions"],
    }
    return Draft7Validator(wrapper, format_checker=FormatChecker())


def allow_null_in_nullable_enums(node: Any) -> Any:
    """Return a copy where every ``nullable`` schema with an ``enum`` accepts null.

    GitHub sends ``"conclusion": null`` for a running check run, but its
    description lists the enum without null, and openapi-core 0.23 follows
    OpenAPI 3.0.3 in rejecting values outside the enum.
    """
    if isinstance(node, list):
        return [allow_null_in_nullable_enums(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: allow_null_in_nullable_enums(value) for key, value in node.items()}
    enum = copied.get("enum")
    if copied.get("nullable") is True and isinstance(enum, list) and None not in enum:
        copied["enum"] = [*enum, None]
    return copied


@dataclass
class ApiRequest:
    """A received request in the shape openapi-core's ``Request`` protocol reads."""

    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class ApiResponse:
    """A response in the shape openapi-core's ``Response`` protocol reads."""

    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers


def validation_path(template: str, path_params: dict[str, str]) -> str:
    """Fill a path template, encoding ``/`` in values as %2F.

    openapi-core cannot match a template when a parameter value such as a
    file path or a branch ref contains a raw slash.
    """
    path = template
    for name, value in path_params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def build_request(
    origin: str,
    path: str,
    method: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes | None,
) -> ApiRequest:
    parameters = RequestParameters(
        query=ImmutableMultiDict(query), header=Headers(headers)
    )
    content_type = headers.get("Content-Type", "") if body else ""
    return ApiRequest(
        host_url=origin,
        path=path,
        method=method.lower(),
        body=body or None,
        content_type=content_type.lower(),
        parameters=parameters,
    )


# openapi-core shares caches inside the OpenAPI object, and its thread safety
# is not documented, so the fake serializes validation calls.
_validation_lock = threading.Lock()


def request_errors(request: ApiRequest) -> list[str]:
    """Validate a request against the description and return readable errors."""
    with _validation_lock:
        errors = list(openapi().iter_request_errors(request))
    return [describe(error) for error in errors]


def response_errors(request: ApiRequest, response: ApiResponse) -> list[str]:
    """Validate a response to ``request`` and return readable errors."""
    with _validation_lock:
        errors = list(openapi().iter_response_errors(request, response))
    return [describe(error) for error in errors]


def documented_statuses(method: str, template: str) -> set[str]:
    """Return the response codes the description lists for one operation."""
    operation = rest_description()["paths"][template][method.lower()]
    return set(operation["responses"])


def describe(error: Exception) -> str:
    """Render an openapi-core error with the schema messages that caused it."""
    details: list[str] = []
    cause: BaseException | None = error
    while cause is not None:
        for schema_error in getattr(cause, "schema_errors", ()):
            location = "/".join(str(part) for part in schema_error.absolute_path)
            details.append(f"{location or '<root>'}: {schema_error.message}")
        cause = cause.__cause__
    name = type(error).__name__
    if details:
        return f"{name}: " + "; ".join(details)
    return f"{name}: {error}"
