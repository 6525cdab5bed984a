"""moto's server mode with one request at a time inside the emulated services.

DynamoDB applies each request to an item atomically: a conditional UpdateItem reads, checks
and writes as one step, so two concurrent `ADD n 1 IF n < 10` can never both see 9. moto's
backends keep no such lock, and its stock server handles requests on parallel threads, so
concurrent conditional writes can interleave and both pass. The tests exercise exactly that
race (50 conditional puts of one key, 3N limiter checks against a limit of N), so this
launcher keeps moto's own request handling but runs each request, body included, under one
lock. Connections are still accepted in parallel and kept alive.

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


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = OneAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"moto listening on http://{host}:{port} (requests serialised)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
