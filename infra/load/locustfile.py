"""What one simulated client of the load run does (driven by infra/load/run.py).

Each Locust user is a browser-like client of the local stack's admin account: it signs in with
the session cookies, then picks one task per tick, each task exactly one HTTP request, so the
request rate is the users' combined task rate (`constant_throughput`). The weights give the mix
per 100 requests:

    15  GET  /health
     2  POST /api/v1/auth/login                     (Argon2id verify, new session; each
                                                    user also signs in once as it starts)
    20  GET  /api/v1/projects                       (first page, with the total)
    15  GET  /api/v1/projects/{id}
    10  GET  /api/v1/account
    12  POST /api/v1/projects                       (a new Idempotency-Key)
     5  POST /api/v1/projects                       (a key already used: the kept answer)
     6  PATCH /api/v1/projects/{id}                 (Idempotency-Key and If-Match)
     7  POST /discord/interactions                  (PING)
     8  POST /discord/interactions                  (/help: role check, replay-guard write)

Every write sends the `XSRF-TOKEN` cookie's value as `X-CSRF-Token`, as a single-page app
does. Each answer is checked (status, and the body or headers that prove the route did its
work); anything else is a failure. Every request's time is kept and written to
`$LOAD_SAMPLES` at the end, for run.py's exact percentiles (Locust's own table rounds them).

Settings, from run.py: LOAD_EMAIL, LOAD_PASSWORD, LOAD_DISCORD_SEED (hex Ed25519 seed whose
public half the stack was started with), LOAD_RATE_PER_USER (tasks per second per user),
LOAD_SAMPLES (where to write the samples).
"""

import json
import os
import random
import time
import uuid

import nacl.signing
from locust import HttpUser, constant_throughput, events, tag, task
from locust.exception import StopUser

EMAIL = os.environ["LOAD_EMAIL"]
PASSWORD = os.environ["LOAD_PASSWORD"]
SIGNER = nacl.signing.SigningKey(bytes.fromhex(os.environ["LOAD_DISCORD_SEED"]))
RATE_PER_USER = float(os.environ.get("LOAD_RATE_PER_USER", "5"))
SAMPLES_PATH = os.environ["LOAD_SAMPLES"]

# (wall-clock start, request name, milliseconds, failed?, failure text or None)
SAMPLES: list = []


@events.request.add_listener
def keep_sample(request_type, name, response_time, exception, start_time=None, **_kw):
    started = start_time if start_time is not None else time.time() - response_time / 1000
    SAMPLES.append((started, name, response_time, exception is not None,
                    None if exception is None else str(exception)[:300]))


@events.user_error.add_listener
def keep_task_error(user_instance, exception, tb, **_kw):
    # An exception in a task (a body that is not the JSON it should be, say) is no request
    # sample; it is kept as a failed one so that the run cannot pass over it.
    SAMPLES.append((time.time(), "(task exception)", 0.0, True, repr(exception)[:300]))


@events.quitting.add_listener
def write_samples(**_kw):
    with open(SAMPLES_PATH, "w", encoding="utf-8") as out:
        json.dump(SAMPLES, out)


def json_of(response) -> dict:
    """The body as a JSON object, or {} (the checks then fail with what was answered)."""
    try:
        doc = response.json()
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def snowflake() -> str:
    """An id shaped like Discord's (a decimal 64-bit number), unique per interaction."""
    return str(random.getrandbits(62) | (1 << 62))



def expect_ok(r, check) -> None:
    """Marks a response failed unless it is a 200 whose JSON body `check` accepts."""
    if r.status_code != 200:
        r.failure(f"status {r.status_code}: {r.text[:200]}")
        return
    problem = check(json_of(r))
    if problem:
        r.failure(problem)

class Client(HttpUser):
    wait_time = constant_throughput(RATE_PER_USER)

    def on_start(self):
        # Requests keeps the cookies; one sign-in and one project before the first tick, so
        # every read and change below has something to act on.
        self.projects: dict = {}  # id -> current ETag
        self.used_keys: list = []  # (Idempotency-Key, body, project id) already answered
        if not self.sign_in(first=True):
            raise StopUser()
        self.create_project()

    # -- helpers ------------------------------------------------------------------------

    def csrf(self) -> dict:
        return {"X-CSRF-Token": self.client.cookies.get("XSRF-TOKEN", "")}

    def sign_in(self, first: bool = False) -> bool:
        # The users' first sign-ins all arrive within the first second; named apart so that
        # the table shows that burst and the steady sign-ins separately.
        name = "POST /api/v1/auth/login (first)" if first else "POST /api/v1/auth/login"
        with self.client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD},
                              name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}: {r.text[:200]}")
                return False
            if not (self.client.cookies.get("access_token")
                    and self.client.cookies.get("XSRF-TOKEN")):
                r.failure("no session cookies set")
                return False
        return True

    def post_project(self, key: str, body: dict, replay_of: str | None):
        """Creates a project under `key`; `replay_of` is the id a key used before created.
        Returns the project's id and ETag, or None (a failure, reported)."""
        name = "POST /api/v1/projects (replay)" if replay_of else "POST /api/v1/projects"
        headers = {"Idempotency-Key": key, **self.csrf()}
        with self.client.post("/api/v1/projects", json=body, headers=headers, name=name,
                              catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"status {r.status_code}: {r.text[:200]}")
                return None
            replayed = r.headers.get("Idempotent-Replayed") == "true"
            if replayed != bool(replay_of):
                r.failure(f"Idempotent-Replayed is {r.headers.get('Idempotent-Replayed')!r}")
                return None
            project_id = json_of(r).get("id")
            if not project_id or (replay_of and project_id != replay_of):
                r.failure(f"answered project {project_id!r}, expected {replay_of!r}")
                return None
            return project_id, r.headers.get("ETag")

    def create_project(self):
        key = str(uuid.uuid4())
        body = {"name": f"load {key[:8]}", "description": "created by infra/load"}
        created = self.post_project(key, body, replay_of=None)
        if created is not None:
            project_id, etag = created
            self.projects[project_id] = etag
            self.used_keys.append((key, body, project_id))
            del self.used_keys[:-50]

    def some_project(self):
        return random.choice(list(self.projects)) if self.projects else None

    def interaction(self, body: dict, name: str, check):
        raw = json.dumps(body, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        signature = SIGNER.sign(timestamp.encode() + raw).signature.hex()
        headers = {"Content-Type": "application/json", "X-Signature-Ed25519": signature,
                   "X-Signature-Timestamp": timestamp}
        with self.client.post("/discord/interactions", data=raw, headers=headers, name=name,
                              catch_response=True) as r:
            expect_ok(r, check)

    def get_ok(self, path: str, name: str, check=lambda doc: None):
        with self.client.get(path, name=name, catch_response=True) as r:
            expect_ok(r, check)

    # -- the mix --------------------------------------------------------------------------

    @task(15)
    def health(self):
        with self.client.get("/health", name="GET /health", catch_response=True) as r:
            if r.status_code != 200 or json_of(r).get("status") != "ok":
                r.failure(f"status {r.status_code}: {r.text[:200]}")

    @tag("writes")
    @task(2)
    def login(self):
        self.sign_in()

    @task(20)
    def list_projects(self):
        self.get_ok("/api/v1/projects", "GET /api/v1/projects",
                    lambda doc: None if isinstance(doc.get("items"), list) else "no items")

    @task(15)
    def get_project(self):
        project_id = self.some_project()
        if project_id is None:
            return self.list_projects()
        self.get_ok(f"/api/v1/projects/{project_id}", "GET /api/v1/projects/{id}",
                    lambda doc: None if doc.get("id") == project_id else f"answered {doc}")

    @task(10)
    def account(self):
        self.get_ok("/api/v1/account", "GET /api/v1/account",
                    lambda doc: None if (doc.get("user") or {}).get("email") == EMAIL
                    else f"answered {doc}")

    @tag("writes")
    @task(12)
    def create(self):
        self.create_project()

    @tag("writes")
    @task(5)
    def create_again(self):
        if not self.used_keys:
            return self.create_project()
        key, body, project_id = random.choice(self.used_keys)
        self.post_project(key, body, replay_of=project_id)

    @tag("writes")
    @task(6)
    def rename(self):
        project_id = self.some_project()
        if project_id is None:
            return self.create_project()
        headers = {"Idempotency-Key": str(uuid.uuid4()), **self.csrf()}
        if self.projects[project_id]:
            headers["If-Match"] = self.projects[project_id]
        body = {"description": f"renamed at {time.time():.3f}"}
        with self.client.patch(f"/api/v1/projects/{project_id}", json=body, headers=headers,
                               name="PATCH /api/v1/projects/{id}", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}: {r.text[:200]}")
                return
            self.projects[project_id] = r.headers.get("ETag")

    @tag("writes")
    @task(7)
    def discord_ping(self):
        body = {"type": 1, "id": snowflake(), "application_id": "1360558294053294192",
                "token": "load-test-token", "version": 1}
        self.interaction(body, "POST /discord/interactions (PING)",
                         lambda doc: None if doc == {"type": 1} else f"answered {doc}")

    @tag("writes")
    @task(8)
    def discord_help(self):
        body = {"type": 2, "id": snowflake(), "token": "load-test-token",
                "application_id": "1360558294053294192", "guild_id": "290926798626357999",
                "channel_id": "645027906669510667",
                "member": {"roles": [], "permissions": "0", "user": {"id": "53908232506183680"}},
                "data": {"id": "1", "name": "help", "type": 1}}

        def check(doc):
            content = (doc.get("data") or {}).get("content") or ""
            if doc.get("type") != 4 or "/help" not in content:
                return f"answered {str(doc)[:200]}"
            return None

        self.interaction(body, "POST /discord/interactions (/help)", check)
