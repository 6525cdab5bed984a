"""A stand-in for GitHub's OAuth token and user endpoints, for the contract run
(scripts/api_contract.py): `POST /login/oauth/access_token` answers a token to a client with
the right credentials, `GET /user` and `GET /user/emails` a user with one verified address per
token. It checks the client's credentials and the PKCE verifier's presence; the full checks
(code, redirect URI, challenge) are in tests/blackbox/auth/oauth_github.rs.
"""

import base64
import http.server
import itertools
import json
import threading
import urllib.parse

CLIENT_ID = "contract-github-client"


class GitHub(http.server.BaseHTTPRequestHandler):
    secret = ""
    tokens: dict[str, int] = {}
    counter = itertools.count(1)
    lock = threading.Lock()

    def answer(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802 (the stdlib's name)
        length = int(self.headers.get("content-length", "0"))
        params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{self.secret}".encode()).decode()
        client_ok = self.headers.get("authorization") == basic or (
            params.get("client_id") == CLIENT_ID and params.get("client_secret") == self.secret)
        if self.path != "/login/oauth/access_token":
            self.answer(404, {"message": "Not Found"})
        elif not client_ok:
            self.answer(401, {"error": "invalid_client"})
        elif not params.get("code") or not params.get("code_verifier"):
            self.answer(400, {"error": "bad_verification_code"})
        else:
            with self.lock:
                n = next(self.counter)
                token = f"gho_contract_{n}"
                self.tokens[token] = n
            self.answer(200, {"access_token": token, "token_type": "bearer",
                              "scope": "read:user,user:email"})

    def do_GET(self):  # noqa: N802
        token = (self.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        n = self.tokens.get(token)
        if n is None:
            self.answer(401, {"message": "Bad credentials"})
        elif self.path == "/user":
            self.answer(200, {"id": 700000 + n, "login": f"contract-{n}"})
        elif self.path == "/user/emails":
            self.answer(200, [{"email": f"github-{n}@example.com", "primary": True,
                               "verified": True}])
        else:
            self.answer(404, {"message": "Not Found"})

    def log_message(self, *args):
        pass


def serve(secret: str) -> str:
    """Starts the double on a free loopback port; answers its base URL."""
    GitHub.secret = secret
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GitHub)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"
