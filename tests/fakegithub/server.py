"""FakeGitHub: a stateful local server for the parts of GitHub's REST API we use.

Every request it receives and every response it sends is validated against
GitHub's OpenAPI description (``@octokit/openapi``). Failures are recorded in
``FakeGitHub.violations``, and the ``fake_github`` fixture fails the test when
that list is not empty, so a request the real API would reject cannot pass.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

from werkzeug.datastructures import Headers

from . import resources, spec
from .faults import READ_ONLY_MESSAGE, Fault, FaultPlan
from .routes import ApiError, Call, Reply, Route, match_route, pulls_with_head
from .state import (
    PERMISSIONS,
    ChangedFile,
    Comment,
    Issue,
    Pull,
    Store,
    Token,
    User,
    utc_now,
)

logger = logging.getLogger("fakegithub")

DEFAULT_TOKEN = "ghs_test_token_0123456789"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


class RequestRecord(NamedTuple):
    """One handled request. ``status`` is None when the connection was dropped."""

    method: str
    path: str
    query: dict[str, str]
    status: int | None


@dataclass(frozen=True)
class Violation:
    """A request or response that GitHub's description or rules reject."""

    kind: str
    method: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind} {self.method} {self.path}: {self.message}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY each small reply waits for delayed ACKs, about 40 ms.
    disable_nagle_algorithm = True
    # Idle keep-alive connections end after this many seconds.
    timeout = 30
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    do_POST = do_GET
    do_PATCH = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake github: " + format, *args)


class FakeGitHub:
    """A GitHub REST API on 127.0.0.1 with a random port, started on creation.

    Use it as a context manager or through the ``fake_github`` fixture.
    ``url`` is the value for ``GITHUB_API_URL``.
    """

    def __init__(self) -> None:
        # Build the shared validator before serving, so the first request
        # does not pay for loading the description.
        spec.openapi()
        self.store = Store()
        self.tokens: dict[str, Token] = {}
        self.violations: list[Violation] = []
        self.requests: list[RequestRecord] = []
        self.faults = FaultPlan()
        self._record_lock = threading.Lock()
        self.add_token(DEFAULT_TOKEN)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # A short poll interval keeps close(), and so each test, fast.
            kwargs={"poll_interval": 0.05},
            name=f"fake-github-{port}",
            daemon=True,
        )
        self._thread.start()

    # Lifecycle.

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeGitHub:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # State API for tests.

    def add_token(
        self,
        token: str,
        login: str = "github-actions[bot]",
        type: str = "Bot",
        permissions: str = "write",
    ) -> None:
        """Accept ``token`` as ``login``. A "read" token gets 403 on every write."""
        if permissions not in ("read", "write"):
            raise ValueError(
                f"permissions must be 'read' or 'write', not {permissions!r}"
            )
        user = self.store.user(login, type)
        self.tokens[token] = Token(token, user, permissions)

    def add_repo(
        self, full_name: str, default_branch: str = "main", private: bool = False
    ) -> None:
        self.store.add_repo(full_name, default_branch, private)

    def add_commit(self, full_name: str, sha: str) -> None:
        """Make ``sha`` known, so statuses and check runs may be set on it."""
        with self.store.lock:
            self.store.require_repo(full_name).known_shas.add(sha)

    def add_branch(self, full_name: str, branch: str, sha: str) -> None:
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            repo.branches[branch] = sha
            repo.known_shas.add(sha)

    def add_pull(
        self,
        full_name: str,
        number: int,
        head_sha: str,
        base_sha: str,
        head_ref: str,
        base_ref: str,
        title: str = "",
        body: str = "",
        labels: Sequence[str] = (),
        user: str = "octocat",
        files: Iterable[str | dict[str, Any] | ChangedFile] | None = None,
        head_repo_full_name: str | None = None,
        draft: bool = False,
    ) -> None:
        """Add an open pull request and the issue GitHub keeps for it.

        ``files`` entries are file names (status "modified"), ``ChangedFile``
        objects or dicts of ``ChangedFile`` fields.
        """
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            if number in repo.issues:
                raise ValueError(f"{full_name} already has issue or pull #{number}")
            now = utc_now()
            issue = Issue(
                number=number,
                title=title,
                body=body,
                user=self.store.user(user),
                labels=tuple(labels),
                created_at=now,
                updated_at=now,
                is_pull=True,
            )
            repo.issues[number] = issue
            repo.pulls[number] = Pull(
                number=number,
                head_sha=head_sha,
                base_sha=base_sha,
                head_ref=head_ref,
                base_ref=base_ref,
                head_repo_full_name=head_repo_full_name,
                draft=draft,
                files=[_changed_file(entry) for entry in files or ()],
                issue=issue,
            )
            repo.known_shas.update((head_sha, base_sha))
            repo.branches.setdefault(base_ref, base_sha)
            if head_repo_full_name in (None, full_name):
                repo.branches[head_ref] = head_sha

    def add_issue(
        self,
        full_name: str,
        number: int,
        title: str = "",
        body: str = "",
        user: str = "octocat",
    ) -> None:
        """Add a plain issue, which is not a pull request."""
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            if number in repo.issues:
                raise ValueError(f"{full_name} already has issue or pull #{number}")
            now = utc_now()
            repo.issues[number] = Issue(
                number, title, body, self.store.user(user), (), now, now
            )

    def set_head(self, full_name: str, number: int, sha: str) -> None:
        """Move a pull request's head to ``sha``, as a push to its branch does."""
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            pull = repo.pulls[number]
            pull.head_sha = sha
            repo.known_shas.add(sha)
            if pull.head_repo_full_name in (None, full_name):
                repo.branches[pull.head_ref] = sha

    def set_files(
        self,
        full_name: str,
        number: int,
        files: Iterable[str | dict[str, Any] | ChangedFile],
    ) -> None:
        with self.store.lock:
            pull = self.store.require_repo(full_name).pulls[number]
            pull.files = [_changed_file(entry) for entry in files]

    def add_file(
        self, full_name: str, path: str, content: str | bytes, ref: str | None = None
    ) -> None:
        """Serve ``content`` at ``GET /contents/{path}``, for ``ref`` or the default."""
        data = content.encode() if isinstance(content, str) else content
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            repo.files[(ref, path.strip("/"))] = data

    def add_comment(
        self,
        full_name: str,
        number: int,
        body: str,
        login: str,
        type: str = "User",
        author_association: str = "MEMBER",
    ) -> int:
        """Add a comment written by someone else and return its id."""
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            if number not in repo.issues:
                raise KeyError(f"{full_name} has no issue or pull #{number}")
            now = utc_now()
            comment = Comment(
                id=self.store.next_comment_id(),
                repo=repo.full_name.lower(),
                issue_number=number,
                body=body,
                user=self.store.user(login, type),
                author_association=author_association,
                created_at=now,
                updated_at=now,
            )
            self.store.comments[comment.id] = comment
            return comment.id

    def comments(self, full_name: str, number: int) -> list[dict[str, Any]]:
        """Return the comments on one issue or pull, in ascending id order."""
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            is_pull = number in repo.pulls
            return [
                resources.comment_json(self.url, repo, comment, is_pull)
                for comment in sorted(self.store.comments.values(), key=lambda c: c.id)
                if comment.repo == repo.full_name.lower()
                and comment.issue_number == number
            ]

    def statuses(self, full_name: str, sha: str) -> list[dict[str, Any]]:
        """Return every status set on ``sha``, oldest first."""
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            return [
                resources.status_json(self.url, repo, status)
                for status in repo.statuses.get(sha, [])
            ]

    def latest_statuses(self, full_name: str, sha: str) -> dict[str, dict[str, Any]]:
        """Return the newest status of each context on ``sha``."""
        latest: dict[str, dict[str, Any]] = {}
        for status in self.statuses(full_name, sha):
            latest[status["context"]] = status
        return latest

    def check_runs(self, full_name: str) -> list[dict[str, Any]]:
        """Return the check runs of a repository, oldest first.

        Each entry is the REST object plus an ``annotations`` list with every
        annotation the check run received, which the REST object only counts.
        """
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            return [
                resources.check_run_json(
                    self.url, repo, run, pulls_with_head(repo, run.head_sha)
                )
                | {"annotations": list(run.annotations)}
                for run in sorted(self.store.check_runs.values(), key=lambda r: r.id)
                if run.repo == repo.full_name.lower()
            ]

    def reactions(self, comment_id: int) -> list[dict[str, Any]]:
        with self.store.lock:
            return [
                resources.reaction_json(self.url, reaction)
                for reaction in self.store.reactions.get(comment_id, [])
            ]

    def set_permission(self, full_name: str, login: str, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(
                f"permission must be one of {PERMISSIONS}, not {permission!r}"
            )
        with self.store.lock:
            repo = self.store.require_repo(full_name)
            repo.permissions[login.lower()] = permission

    def request_count(
        self, method: str | None = None, path_regex: str | None = None
    ) -> int:
        """Count recorded requests by method and a regex searched in the path."""
        pattern = re.compile(path_regex) if path_regex else None
        with self._record_lock:
            return sum(
                1
                for record in self.requests
                if (method is None or record.method == method.upper())
                and (pattern is None or pattern.search(record.path))
            )

    def reset_requests(self) -> None:
        with self._record_lock:
            self.requests.clear()

    def inject(
        self, method: str | None, path_regex: str, fault: Fault, times: int = 1
    ) -> None:
        """Apply ``fault`` to the next ``times`` requests that match.

        ``method`` None matches every method. ``path_regex`` is searched in
        the request path without the query string.
        """
        self.faults.add(method, path_regex, fault, times)

    # Request handling.

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        path = split.path
        method = handler.command
        query_pairs = parse_qsl(split.query, keep_blank_values=True)
        query = dict(query_pairs)
        length = int(handler.headers.get("Content-Length") or 0)
        raw_body = handler.rfile.read(length) if length else b""

        exchange = _Exchange(self, handler, method, path, query, query_pairs, raw_body)
        exchange.run()

    def _violation(self, kind: str, method: str, path: str, message: str) -> None:
        violation = Violation(kind, method, path, message)
        logger.warning("fake github: %s", violation)
        with self._record_lock:
            self.violations.append(violation)

    def _record(self, record: RequestRecord) -> None:
        with self._record_lock:
            self.requests.append(record)

    def _rate_headers(
        self, remaining: int | None = None, reset: int | None = None
    ) -> dict[str, str]:
        store = self.store
        left = store.rate_remaining if remaining is None else remaining
        return {
            "X-RateLimit-Limit": str(store.rate_limit),
            "X-RateLimit-Remaining": str(left),
            "X-RateLimit-Used": str(store.rate_limit - left),
            "X-RateLimit-Reset": str(store.rate_reset if reset is None else reset),
            "X-RateLimit-Resource": "core",
        }


def _changed_file(entry: str | dict[str, Any] | ChangedFile) -> ChangedFile:
    if isinstance(entry, ChangedFile):
        return entry
    if isinstance(entry, str):
        return ChangedFile(entry)
    return ChangedFile(**entry)


class _Exchange:
    """One request and its response, from parsing to sending."""

    def __init__(
        self,
        fake: FakeGitHub,
        handler: _Handler,
        method: str,
        path: str,
        query: dict[str, str],
        query_pairs: list[tuple[str, str]],
        raw_body: bytes,
    ) -> None:
        self.fake = fake
        self.handler = handler
        self.method = method
        self.path = path
        self.query = query
        self.query_pairs = query_pairs
        self.raw_body = raw_body
        self.api_request: spec.ApiRequest | None = None
        self.route: Route | None = None

    def run(self) -> None:
        matched = match_route(self.method, self.path)
        if matched is None:
            self.fake._violation(
                "route", self.method, self.path, "no such operation in the fake"
            )
            self.send(Reply(404, resources.error_json("Not Found", 404)))
            return
        route, raw_params = matched
        self.route = route
        params = {name: unquote(value) for name, value in raw_params.items()}

        if not self.validate_request(route, params):
            return

        fault = self.fake.faults.take(self.method, self.path)
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.seconds)
            else:
                self.answer_fault(fault)
                return

        reply = self.dispatch(route, params)
        self.send(reply)

    def validate_request(self, route: Route, params: dict[str, str]) -> bool:
        headers = {key: value for key, value in self.handler.headers.items()}
        self.api_request = spec.build_request(
            self.fake.url,
            spec.validation_path(route.spec_template, params),
            self.method,
            self.query_pairs,
            headers,
            self.raw_body,
        )
        errors = spec.request_errors(self.api_request)
        if not errors:
            return True
        for error in errors:
            self.fake._violation("request", self.method, self.path, error)
        body = resources.error_json("Invalid request.\n\n" + "\n".join(errors), 422)
        self.send(Reply(422, body))
        return False

    def answer_fault(self, fault: Fault) -> None:
        if fault.kind == "drop":
            self.fake._record(RequestRecord(self.method, self.path, self.query, None))
            self.handler.close_connection = True
            with contextlib.suppress(OSError):
                self.handler.connection.shutdown(socket.SHUT_RDWR)
            return
        status = fault.code or 500
        reply = Reply(status, resources.error_json(fault.message, status))
        if fault.kind == "secondary_rate_limit":
            reply.headers["Retry-After"] = str(int(fault.seconds))
        if fault.kind == "primary_rate_limit":
            reset = int(time.time() + fault.seconds)
            reply.headers.update(self.fake._rate_headers(remaining=0, reset=reset))
        self.send(reply)

    def authenticate(self) -> User:
        header = self.handler.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            self.fake._violation(
                "auth", self.method, self.path, "request has no Authorization header"
            )
            raise ApiError(401, "Requires authentication")
        known = self.fake.tokens.get(token.strip())
        if scheme.lower() not in ("token", "bearer") or known is None:
            raise ApiError(401, "Bad credentials")
        if self.method in WRITE_METHODS and known.permissions != "write":
            raise ApiError(403, READ_ONLY_MESSAGE)
        return known.user

    def dispatch(self, route: Route, params: dict[str, str]) -> Reply:
        try:
            user = self.authenticate()
            body = json.loads(self.raw_body) if self.raw_body else None
            store = self.fake.store
            with store.lock:
                if route.template != "/rate_limit":
                    store.rate_remaining = max(store.rate_remaining - 1, 0)
                call = Call(
                    store=store,
                    origin=self.fake.url,
                    path=self.path,
                    params=params,
                    query=self.query,
                    body=body,
                    user=user,
                )
                if "owner" in params:
                    call.repo = store.repo(f"{params['owner']}/{params['repo']}")
                return route.handler(call)
        except ApiError as error:
            if error.violation:
                self.fake._violation(
                    "rule", self.method, self.path, json.dumps(error.body)
                )
            return Reply(error.status, error.body)
        except ValueError as error:
            return Reply(
                400, resources.error_json(f"Problems parsing JSON: {error}", 400)
            )

    def send(self, reply: Reply) -> None:
        data = b"" if reply.body is None else json.dumps(reply.body).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": str(len(data)),
            "X-GitHub-Media-Type": "github.v3; format=json",
            **self.fake._rate_headers(),
            **reply.headers,
        }
        if reply.body is None:
            del headers["Content-Type"]
        self.validate_response(reply.status, data, headers)

        # Record before sending, so a client that has received its response
        # always finds the request in ``requests``.
        self.fake._record(
            RequestRecord(self.method, self.path, self.query, reply.status)
        )
        handler = self.handler
        handler.send_response(reply.status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if data:
            handler.wfile.write(data)

    def validate_response(
        self, status: int, data: bytes, headers: dict[str, str]
    ) -> None:
        route = self.route
        if route is None or self.api_request is None:
            return
        documented = spec.documented_statuses(self.method, route.spec_template)
        if str(status) in documented:
            response = spec.ApiResponse(
                status_code=status,
                data=data or None,
                content_type=headers.get("Content-Type", ""),
                headers=Headers(headers),
            )
            errors = spec.response_errors(self.api_request, response)
        elif status >= 400:
            # GitHub sends errors such as 401, 403 and 5xx on every operation,
            # even where the description lists none, always as a basic error.
            errors = _basic_error_problems(data)
        else:
            errors = [f"status {status} is not documented for this operation"]
        for error in errors:
            self.fake._violation("response", self.method, self.path, error)


def _basic_error_problems(data: bytes) -> list[str]:
    try:
        body = json.loads(data)
    except ValueError:
        return ["error body is not JSON"]
    if not isinstance(body, dict):
        return ["error body is not a JSON object"]
    problems = []
    for name in ("message", "documentation_url"):
        if not isinstance(body.get(name), str):
            problems.append(f"error body has no string {name!r}")
    return problems
