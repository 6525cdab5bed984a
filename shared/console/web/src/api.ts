// The API client: every call goes to our own origin with the session cookies; writes carry
// `X-CSRF-Token` from the `XSRF-TOKEN` cookie; a `401` refreshes the session once and tries
// again; a session that cannot be refreshed returns to the sign-in page, remembering where the
// reader was. Paths, bodies and answers are typed from docs/api/openapi.json.

import type { components, paths } from "./api.gen";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

type Method = "get" | "post" | "put" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Json<R> = R extends { content: { "application/json": infer B } } ? B : undefined;
type Responses<O> = O extends { responses: infer R } ? R : never;
type Answer<O> =
  Responses<O> extends infer R
    ? 200 extends keyof R
      ? Json<R[200]>
      : 201 extends keyof R
        ? Json<R[201]>
        : 202 extends keyof R
          ? Json<R[202]>
          : undefined
    : never;
type RequestBody<O> = O extends { requestBody?: never }
  ? undefined
  : O extends { requestBody: { content: { "application/json": infer B } } }
    ? B
    : O extends { requestBody?: { content: { "application/json": infer B } } }
      ? B | undefined
      : undefined;
type PathParams<O> = O extends { parameters: { path: infer X } } ? X : undefined;
type Query<O> = O extends { parameters: { query?: infer X } } ? X : undefined;

/** What a call sends beyond its path. */
export interface Call<O> {
  params?: PathParams<O>;
  query?: Query<O>;
  body?: RequestBody<O>;
  /** Sent as `Idempotency-Key`, so that a write sent twice runs once. */
  idempotencyKey?: string;
}

/** A problem document the API answered with. */
export class ApiProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly retryAfter: number | null,
  ) {
    super(problem.detail || problem.title);
  }
}

/** The session ended and could not be refreshed: the page is on its way to the sign-in page. */
export class SignedOut extends Error {}

function cookie(name: string): string | null {
  for (const part of document.cookie.split("; ")) {
    const [key, ...rest] = part.split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

const WRITES = new Set(["post", "put", "patch", "delete"]);

/** Paths where a 401 is the answer itself (wrong password, bad code), not an expired session. */
const NO_REFRESH = [
  "/api/v1/auth/login",
  "/api/v1/auth/refresh",
  "/api/v1/auth/2fa/verify",
  "/api/v1/auth/verify-email",
  "/api/v1/auth/password/change",
  "/api/v1/auth/2fa/disable",
  "/api/v1/account",
];

function fill(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return "";
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function send(method: Method, url: string, body: unknown, idempotencyKey?: string): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (WRITES.has(method)) {
    const token = cookie("XSRF-TOKEN");
    if (token) headers["x-csrf-token"] = token;
  }
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  return fetch(url, {
    method: method.toUpperCase(),
    headers,
    credentials: "same-origin",
    // Public answers may be cached for a while (the status events for 30 s); the console
    // always revalidates, so what it shows after a change includes the change.
    cache: "no-cache",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

let refreshing: Promise<boolean> | null = null;

/** Refreshes the session once, however many calls met a 401 at the same time. */
function refresh(): Promise<boolean> {
  refreshing ??= send("post", "/api/v1/auth/refresh", undefined)
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** The sign-in page, with the page to come back to. */
export function signInAddress(): string {
  const here = location.pathname + location.search;
  const next = here.startsWith("/console/") && !here.startsWith("/console/sign-in") ? here : "/console";
  return `/console/sign-in?next=${encodeURIComponent(next)}`;
}

async function problemOf(response: Response): Promise<ApiProblem> {
  let problem: Problem;
  try {
    problem = (await response.json()) as Problem;
  } catch {
    problem = {
      type: "about:blank",
      title: response.statusText || "Error",
      status: response.status,
      detail: "",
      code: response.status >= 500 ? "internal" : "unknown",
    };
  }
  const retry = Number(response.headers.get("retry-after"));
  return new ApiProblem(problem, Number.isFinite(retry) && retry > 0 ? retry : null);
}

/** Calls the API. */
export async function call<P extends keyof paths, M extends Method>(
  method: M,
  path: P,
  options: Call<Operation<P, M>> = {},
): Promise<Answer<Operation<P, M>>> {
  const url =
    fill(path as string, options.params as Record<string, string> | undefined) +
    queryString(options.query as Record<string, unknown> | undefined);
  let response = await send(method, url, options.body, options.idempotencyKey);
  if (response.status === 401 && !NO_REFRESH.includes(path as string)) {
    if (await refresh()) {
      response = await send(method, url, options.body, options.idempotencyKey);
    }
    if (response.status === 401) {
      location.assign(signInAddress());
      throw new SignedOut("signed out");
    }
  }
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return undefined as Answer<Operation<P, M>>;
  return (await response.json()) as Answer<Operation<P, M>>;
}

/** Whether this browser may hold a session: a sign-in sets the `XSRF-TOKEN` cookie for the
 * session's lifetime and a sign-out clears it. Without it the console asks nothing of the API
 * (so a visit to the sign-in page adds no refused request to the audit log). */
export function maybeSignedIn(): boolean {
  return cookie("XSRF-TOKEN") !== null;
}

/** The signed-in account, or `null` when nobody is signed in (after one refresh). */
export async function currentUser(): Promise<Schemas["UserView"] | null> {
  let response = await send("get", "/api/v1/account", undefined);
  if (response.status === 401 && (await refresh())) {
    response = await send("get", "/api/v1/account", undefined);
  }
  if (response.status === 401) return null;
  if (!response.ok) throw await problemOf(response);
  return ((await response.json()) as Schemas["UserDocument"]).user;
}

/** A fresh idempotency key. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
