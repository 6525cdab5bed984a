"""moto's server mode with one request at a time inside the emulated services.

DynamoDB applies each request to an item atomically: a conditional UpdateItem reads, checks
and writes as one step, so two concurrent `ADD n 1 IF n < 10` can never both see 9. moto's
backends keep no such lock, and its stock server handles requests on parallel threads, so
concurrent conditional writes can interleave and both pass. The tests exercise exactly that
race (50 conditional puts of one key, 3N limiter checks against a limit of N), so this
launcher keeps moto's own request handling but runs each request, body included, under one
lock. Connections are still accepted in parallel and kept alive.

It also creates the IAM role the Lambda alias tests create functions with (moto checks that a
function's role exists): `arn:aws:iam::123456789012:role/rampart-test-lambda`.

Usage: python moto_server.py HOST PORT
"""

import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


class OneAtATime:
    """A WSGI wrapper that lets one request at a time into the wrapped application."""

    def __init__(self, app):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            body = self._app(environ, start_response)
            try:
                # Materialise the body inside the lock: a lazy iterable would otherwise run
                # the backend after the lock is released.
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()


TEST_ACCOUNT = "123456789012"
TEST_LAMBDA_ROLE = "rampart-test-lambda"


def create_test_role() -> None:
    """The role the Lambda alias tests give their functions (moto's default account)."""
    from moto.iam.models import iam_backends

    iam_backends[TEST_ACCOUNT]["aws"].create_role(
        role_name=TEST_LAMBDA_ROLE,
        assume_role_policy_document="{}",
        path="/",
        permissions_boundary=None,
        description="Functions created by the Lambda alias deployer's tests",
        tags=[],
        max_session_duration=None,
    )


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    create_test_role()
    app = OneAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"moto listening on http://{host}:{port} (requests serialised)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
