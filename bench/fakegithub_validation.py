"""Measure what OpenAPI validation costs the test fake of GitHub.

Prints, as medians of repeated runs:
- reading the reduced or the full @octokit/openapi description, building
  an openapi-core object and validating one exchange with it;
- later request validations with each description;
- the request and response validation FakeGitHub does for a new comment;
- one comment creation through PyGithub against a running FakeGitHub.

Run from the repository root: ``.venv/bin/python bench/fakegithub_validation.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from werkzeug.datastructures import Headers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakegithub import DEFAULT_TOKEN, FakeGitHub, spec
from github import Auth, Github

REPO = "acme/widgets"
HEAD = "a" * 40


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def load_description(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    document["servers"].append({"url": "/"})
    return spec.allow_null_in_nullable_enums(document)  # type: ignore[no-any-return]


def cold_validation(
    path: Path, request: spec.ApiRequest, response: spec.ApiResponse
) -> Callable[[], object]:
    """Read a description, build an OpenAPI object and validate one exchange.

    openapi-core resolves the description lazily, so the first validation
    carries part of the loading cost.
    """

    def run() -> object:
        document = load_description(path)
        api = OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))
        errors = list(api.iter_request_errors(request))
        errors += list(api.iter_response_errors(request, response))
        assert errors == [], errors
        return api

    return run


def warm_request_validation(
    document: dict[str, Any], request: spec.ApiRequest, repeats: int
) -> float:
    api = OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))
    list(api.iter_request_errors(request))
    return median_seconds(lambda: list(api.iter_request_errors(request)), repeats)


def comment_exchange(origin: str) -> tuple[spec.ApiRequest, spec.ApiResponse]:
    with FakeGitHub() as fake:
        fake.add_repo(REPO)
        fake.add_pull(REPO, 7, HEAD, "b" * 40, "feature/x", "main")
        fake.add_comment(REPO, 7, "hello", "alice")
        body = json.dumps(fake.comments(REPO, 7)[0]).encode()
    request = spec.build_request(
        origin,
        f"/repos/{REPO}/issues/7/comments",
        "POST",
        [],
        {"Content-Type": "application/json"},
        b'{"body": "hello"}',
    )
    response = spec.ApiResponse(
        status_code=201,
        data=body,
        content_type="application/json; charset=utf-8",
        headers=Headers({"Location": "x"}),
    )
    return request, response


def main() -> None:
    cache = spec.ensure_specs()
    reduced = load_description(spec.REDUCED_SPEC)
    full = load_description(cache / "api.github.com.json")
    request, response = comment_exchange("http://127.0.0.1:1")

    full_path = cache / "api.github.com.json"
    reduced_cold = median_seconds(
        cold_validation(spec.REDUCED_SPEC, request, response), 5
    )
    full_cold = median_seconds(cold_validation(full_path, request, response), 3)
    reduced_warm = warm_request_validation(reduced, request, 200)
    full_warm = warm_request_validation(full, request, 200)

    spec.request_errors(request)
    spec.response_errors(request, response)
    request_cost = median_seconds(lambda: spec.request_errors(request), 200)
    response_cost = median_seconds(lambda: spec.response_errors(request, response), 200)

    with FakeGitHub() as fake:
        fake.add_repo(REPO)
        fake.add_pull(REPO, 7, HEAD, "b" * 40, "feature/x", "main")
        client = Github(
            auth=Auth.Token(DEFAULT_TOKEN),
            base_url=fake.url,
            lazy=True,
            seconds_between_requests=0,
            seconds_between_writes=0,
        )
        issue = client.get_repo(REPO).get_issue(7)
        issue.create_comment("warm-up")
        round_trip = median_seconds(lambda: issue.create_comment("hello"), 200)
        assert fake.violations == []

    print(f"load and first validation, reduced:     {reduced_cold * 1000:8.1f} ms")
    print(f"load and first validation, full:        {full_cold * 1000:8.1f} ms")
    print(f"request validation, reduced, warm:      {reduced_warm * 1000:8.2f} ms")
    print(f"request validation, full, warm:         {full_warm * 1000:8.2f} ms")
    print(f"request validation in the fake:         {request_cost * 1000:8.2f} ms")
    print(f"response validation in the fake:        {response_cost * 1000:8.2f} ms")
    print(f"POST comment via PyGithub, round trip:  {round_trip * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
