// The pages for admins (and reviewers, for the knowledge base): the security summary, the
// audit timeline, alerts, status events, the knowledge base and API keys.

import { call, idempotencyKey, type Schemas } from "../api";
import { columns, rankedTable } from "../chart";
import { h, replace, time } from "../dom";
import { confirmButton, describe, form, notice } from "../forms";
import type { Page } from "../main";

function section(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** `n` and the noun, plural when `n` is not 1. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function entries(record: Record<string, number>): { label: string; value: number }[] {
  return Object.entries(record).map(([label, value]) => ({ label, value }));
}

const security: Page = async ({ main }) => {
  const summary = await call("get", "/api/v1/admin/security/summary");
  // `hour` is `YYYY-MM-DDTHH` in UTC; labels are in the reader's time.
  const hours = summary.failed_logins_per_hour.map((h) => ({
    label: new Date(`${h.hour}:00:00Z`).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
    value: h.count,
  }));
  const total = hours.reduce((sum, p) => sum + p.value, 0);
  const peak = hours.reduce((best, p) => (p.value > best.value ? p : best), { label: "", value: 0 });
  const words =
    total === 0
      ? "No failed sign-ins in the last 24 hours."
      : `${plural(total, "failed sign-in")} in the last 24 hours; the most, ${peak.value}, in the hour from ${peak.label}.`;
  const ticks = [0, 6, 12, 18, hours.length - 1]
    .filter((i) => i >= 0 && i < hours.length)
    .map((i) => h("span", {}, hours[i]!.label));
  main.appendChild(
    h("p", { class: "period" }, "From ", time(summary.since), " to ", time(summary.until), "."),
  );
  main.appendChild(
    section(
      "failed-sign-ins",
      "Failed sign-ins per hour",
      h("p", {}, words),
      h(
        "figure",
        {},
        columns(hours, words),
        h("div", { class: "ticks", "aria-hidden": "true" }, ...ticks),
        h("figcaption", {}, `Each column is an hour, the current one on the right; the tallest stands for ${Math.max(1, peak.value)}.`),
      ),
    ),
  );
  main.appendChild(
    section(
      "violations",
      "Rate-limit violations per route",
      rankedTable("Rate-limit violations", "Route", "Violations", entries(summary.rate_limit_violations)),
    ),
  );
  main.appendChild(
    section(
      "denials",
      "Permission denials per route",
      rankedTable("Permission denials", "Route", "Denials", entries(summary.permission_denials)),
    ),
  );
  main.appendChild(
    section(
      "categories",
      "Events an admin watches",
      rankedTable("Events by category", "Category", "Events", entries(summary.events_by_category)),
    ),
  );
  const overrides = Object.entries(summary.limit_overrides);
  main.appendChild(
    section(
      "overrides",
      "Rate-limit overrides in force",
      overrides.length === 0
        ? h("p", {}, "None: every policy has its documented limits.")
        : h(
            "table",
            {},
            h("caption", {}, "Overrides of RATE_LIMIT_OVERRIDES"),
            h("thead", {}, h("tr", {}, ...["Limit", "Requests", "Per (seconds)"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              ...overrides.map(([policy, o]) =>
                h("tr", {}, h("th", { scope: "row" }, h("code", {}, policy)), h("td", {}, o.max ?? "default"), h("td", {}, o.window_secs ?? "default")),
              ),
            ),
          ),
    ),
  );
};

function eventRow(e: Schemas["StoredEvent"]): HTMLElement {
  const fields = Object.entries(e.details);
  const details =
    fields.length === 0
      ? "—"
      : h(
          "details",
          {},
          h("summary", {}, plural(fields.length, "detail")),
          h("dl", {}, ...fields.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
        );
  return h(
    "tr",
    {},
    h("td", {}, time(e.at)),
    h("td", {}, h("code", {}, e.event)),
    h("td", {}, e.category),
    h("td", {}, h("span", { class: `outcome ${e.outcome}` }, e.outcome)),
    h("td", {}, e.actor ?? "—"),
    h("td", {}, e.target ?? "—"),
    h("td", {}, e.ip ?? "—"),
    h("td", { class: "details" }, details),
  );
}

/** `datetime-local` input (the reader's time) as RFC 3339 UTC. */
function utc(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const audit: Page = ({ main }) => {
  const results = h("div", { "aria-live": "polite" });
  let filters: { event?: string; actor?: string; since?: string } = {};
  const load = async (cursor?: string): Promise<void> => {
    const page = await call("get", "/api/v1/admin/audit", { query: { ...filters, cursor, page_size: 50 } });
    let body = results.querySelector("tbody");
    if (!cursor || !body) {
      body = h("tbody", {});
      const scope = filters.event || filters.actor ? "Matching events" : "Every event of the last 7 days";
      replace(
        results,
        h(
          "table",
          { class: "audit" },
          h("caption", {}, `${scope}, newest first`),
          h("thead", {}, h("tr", {}, ...["Time", "Event", "Category", "Outcome", "Actor", "Target", "Address", "Details"].map((t) => h("th", { scope: "col" }, t)))),
          body,
        ),
      );
    }
    for (const event of page.items) body.appendChild(eventRow(event));
    results.querySelector(".more")?.remove();
    if (page.items.length === 0 && !cursor) {
      replace(results, h("p", { class: "empty" }, "No events."));
    }
    if (page.next_cursor) {
      const next = page.next_cursor;
      const more = h("button", { type: "button", class: "secondary more" }, "Older events");
      more.addEventListener("click", () => {
        more.disabled = true;
        load(next).catch((error: unknown) => results.appendChild(notice("error", describe(error))));
      });
      results.appendChild(more);
    }
  };
  main.appendChild(
    form(
      [
        { name: "event", label: "Event", required: false, hint: "Such as auth.login_failed." },
        { name: "actor", label: "Actor", required: false, hint: "A user's id." },
        { name: "since", label: "Since", type: "datetime-local", required: false, hint: "In your time zone." },
      ],
      "Filter",
      async (values) => {
        filters = { event: values.event || undefined, actor: values.actor || undefined, since: utc(values.since) };
        await load();
      },
      { label: "Filter the timeline", inline: true },
    ),
  );
  main.appendChild(results);
  return load();
};

const alerts: Page = ({ main }) => {
  const results = h("div", { "aria-live": "polite" });
  const tabs = h("div", { class: "tabs", role: "group", "aria-label": "Which alerts" });
  const show = async (status: "firing" | "resolved"): Promise<void> => {
    for (const button of tabs.querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.status === status));
    }
    const page = await call("get", "/api/v1/admin/alerts", { query: { status, page_size: 100 } });
    if (page.items.length === 0) {
      replace(results, h("p", { class: "empty" }, status === "firing" ? "Nothing is firing." : "No alert resolved in the last 48 hours."));
      return;
    }
    replace(
      results,
      h(
        "table",
        {},
        h("caption", {}, status === "firing" ? "Firing alerts" : "Resolved alerts"),
        h("thead", {}, h("tr", {}, ...["Alert", "Severity", "Summary", "Started", "Ended", "Labels"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          ...page.items.map((a) =>
            h(
              "tr",
              {},
              h("td", {}, a.labels.alertname ?? a.fingerprint),
              h("td", {}, a.labels.severity ?? "—"),
              h("td", {}, a.annotations.summary ?? a.annotations.description ?? "—"),
              h("td", {}, time(a.startsAt)),
              h("td", {}, a.status === "resolved" ? time(a.endsAt) : "—"),
              h(
                "td",
                { class: "details" },
                Object.entries(a.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(", "),
              ),
            ),
          ),
        ),
      ),
    );
  };
  for (const status of ["firing", "resolved"] as const) {
    const button = h("button", { type: "button", class: "secondary", "data-status": status }, status === "firing" ? "Firing" : "Resolved");
    button.addEventListener("click", () => {
      show(status).catch((error: unknown) => replace(results, notice("error", describe(error))));
    });
    tabs.appendChild(button);
  }
  main.append(tabs, results);
  return show("firing");
};

const STATUSES = [
  { value: "operational", label: "Operational" },
  { value: "degraded_performance", label: "Degraded performance" },
  { value: "partial_outage", label: "Partial outage" },
  { value: "major_outage", label: "Major outage" },
];

const statusEvents: Page = async ({ main }) => {
  const list = h("div", { "aria-live": "polite" });
  const load = async (): Promise<void> => {
    const [current, events] = await Promise.all([
      call("get", "/api/v1/status"),
      call("get", "/api/v1/status/events", { query: { page_size: 50 } }),
    ]);
    replace(
      list,
      h("p", {}, "Overall: ", h("strong", {}, STATUSES.find((s) => s.value === current.overall)?.label ?? current.overall), ". ", h("a", { href: "/status" }, "The public status page")),
      events.items.length === 0
        ? h("p", { class: "empty" }, "No status event yet.")
        : h(
            "table",
            {},
            h("caption", {}, "Status events, newest first"),
            h("thead", {}, h("tr", {}, ...["Time", "Service", "Status", "Message"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              ...events.items.map((e) =>
                h("tr", {}, h("td", {}, time(e.created_at)), h("td", {}, e.service), h("td", {}, STATUSES.find((s) => s.value === e.status)?.label ?? e.status), h("td", {}, e.message)),
              ),
            ),
          ),
    );
  };
  main.appendChild(
    section(
      "post-event",
      "Post an event",
      form(
        [
          { name: "service", label: "Service", hint: "a-z, 0-9 and -, such as api." },
          { name: "status", label: "Status", options: STATUSES, value: "operational" },
          { name: "message", label: "Message", multiline: true },
        ],
        "Post the event",
        async ({ service, status, message }) => {
          await call("post", "/api/v1/status/events", {
            body: { service, status: status as Schemas["ServiceStatus"], message },
            idempotencyKey: idempotencyKey(),
          });
          await load();
          return notice("ok", "Posted; the status page shows it within 30 seconds.");
        },
      ),
    ),
  );
  main.appendChild(section("events", "Events", list));
  await load();
};

const knowledge: Page = async ({ user, main }) => {
  const summary = await call("get", "/api/v1/knowledge/summary");
  main.appendChild(h("p", {}, `${summary.entries} entr${summary.entries === 1 ? "y" : "ies"} in the knowledge base.`));
  const answers = h("div", { "aria-live": "polite" });
  main.appendChild(
    section(
      "ask",
      "Search",
      form([{ name: "query", label: "Question or words", hint: "Letters, digits, spaces and - . ( ) ' \" , ? :" }], "Search", async ({ query }) => {
        const result = await call("post", "/api/v1/knowledge/query", { body: { query } });
        replace(
          answers,
          result.items.length === 0
            ? h("p", { class: "empty" }, "No entry matches.")
            : h(
                "ol",
                { class: "answers" },
                ...result.items.map((a) =>
                  h("li", {}, h("h3", {}, a.entry.title), h("p", {}, a.entry.body), h("p", { class: "tags" }, a.entry.tags.join(", "))),
                ),
              ),
        );
      }),
      answers,
    ),
  );
  if (user?.role === "reviewer" || user?.role === "admin") {
    main.appendChild(
      section(
        "add-entry",
        "Add an entry",
        form(
          [
            { name: "title", label: "Title" },
            { name: "body", label: "Text", multiline: true },
            { name: "tags", label: "Tags", required: false, hint: "Separated by commas." },
          ],
          "Add the entry",
          async ({ title, body, tags }) => {
            const entry = await call("post", "/api/v1/knowledge/entries", {
              body: { title, body, tags: tags ? tags.split(",").map((t) => t.trim()).filter(Boolean) : [] },
            });
            return notice("ok", `Added “${entry.title}”.`);
          },
        ),
      ),
    );
  }
};

const apiKeys: Page = ({ main }) => {
  const shown = h("div", { "aria-live": "polite" });
  main.appendChild(
    section(
      "create-key",
      "Create a key",
      form(
        [
          { name: "name", label: "Name", hint: "What uses the key, such as ci-pipeline." },
          { name: "permissions", label: "Permissions", hint: "resource:action, separated by commas; no more than your own." },
          { name: "expires_at", label: "Expires", type: "datetime-local", required: false },
        ],
        "Create the key",
        async ({ name, permissions, expires_at }) => {
          const key = await call("post", "/api/v1/admin/api-keys", {
            body: {
              name,
              permissions: permissions.split(",").map((p) => p.trim()).filter(Boolean),
              expires_at: utc(expires_at) ?? null,
            },
          });
          replace(
            shown,
            notice("ok", `Key ${key.name} created (id ${key.id}).`),
            h("p", {}, "Copy it now: it is shown only this once and stored only as a hash."),
            h("p", {}, h("code", { class: "secret" }, key.key)),
          );
        },
      ),
      shown,
    ),
  );
  main.appendChild(
    section(
      "revoke-key",
      "Revoke a key",
      form([{ name: "id", label: "Key id" }], "Revoke the key", async ({ id }) => {
        await call("delete", "/api/v1/admin/api-keys/{id}", { params: { id } });
        return notice("ok", "The key is revoked.");
      }, { danger: true }),
    ),
  );
};

const ROLES = [
  { value: "viewer", label: "Viewer" },
  { value: "reviewer", label: "Reviewer" },
  { value: "admin", label: "Admin" },
];

/** One account: its facts, its role (changed after a confirmation) and its grants. */
function accountCard(user: Schemas["ManagedUser"], area: HTMLElement): HTMLElement {
  const status = h("div", { "aria-live": "polite" });
  const show = (next: Schemas["ManagedUser"], message: string): void => {
    replace(area, accountCard(next, area));
    area.querySelector(".form-status, [aria-live]")?.appendChild(notice("ok", message));
  };
  const roleForm = form(
    [{ name: "role", label: "Role", options: ROLES, value: user.role }],
    "Change the role",
    async ({ role }) => {
      if (role === user.role) return notice("ok", `${user.email} is already ${role}.`);
      if (!window.confirm(`Make ${user.email} ${role === "admin" ? "an" : "a"} ${role}?`)) return null;
      const next = await call("put", "/api/v1/admin/users/{id}/role", {
        params: { id: user.id },
        body: { role: role as Schemas["RoleBody"]["role"] },
      });
      show(next, `${next.email} is now ${next.role}.`);
      return null;
    },
    { label: `Role of ${user.email}` },
  );
  const grants =
    user.grants.length === 0
      ? h("p", { class: "empty" }, "No grant beyond the role.")
      : h(
          "ul",
          { class: "grants" },
          ...user.grants.map((permission) =>
            h(
              "li",
              {},
              h("code", {}, permission),
              " ",
              confirmButton(
                "Remove",
                `Remove the grant ${permission} from ${user.email}?`,
                async () => {
                  const next = await call("delete", "/api/v1/admin/users/{id}/grants", {
                    params: { id: user.id },
                    body: { permission: permission as Schemas["GrantBody"]["permission"] },
                  });
                  show(next, `${permission} removed.`);
                },
                status,
              ),
            ),
          ),
        );
  const grantForm = form(
    [{ name: "permission", label: "Grant a permission", hint: "resource:action or resource:*, such as audit:read." }],
    "Grant",
    async ({ permission }) => {
      if (!window.confirm(`Grant ${permission} to ${user.email}?`)) return null;
      const next = await call("post", "/api/v1/admin/users/{id}/grants", {
        params: { id: user.id },
        body: { permission: permission as Schemas["GrantBody"]["permission"] },
      });
      show(next, `${permission} granted.`);
      return null;
    },
    { label: `Grant a permission to ${user.email}` },
  );
  return h(
    "article",
    { class: "account", "aria-label": user.email },
    h("h3", {}, user.email),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Id"),
      h("dd", {}, h("code", {}, user.id)),
      h("dt", {}, "Verified"),
      h("dd", {}, user.email_verified ? "Yes" : "Not yet (roles and grants wait for it)"),
      h("dt", {}, "Two-factor"),
      h("dd", {}, user.two_factor_enabled ? "On" : "Off"),
      h("dt", {}, "Created"),
      h("dd", {}, time(user.created_at)),
    ),
    status,
    roleForm,
    h("h4", {}, "Grants"),
    grants,
    grantForm,
  );
}

const users: Page = async ({ main }) => {
  const area = h("div", { class: "account-area", "aria-live": "polite" });
  const open = async (load: Promise<Schemas["ManagedUser"]>): Promise<void> => {
    replace(area, accountCard(await load, area));
  };
  main.appendChild(
    section(
      "find",
      "Find an account",
      form([{ name: "email", label: "Email address", type: "email" }], "Find", async ({ email }) => {
        await open(call("get", "/api/v1/admin/users", { query: { email } }));
      }),
      area,
    ),
  );
  // The accounts that signed in lately, from the audit log (newest first, each once).
  const recent = await call("get", "/api/v1/admin/audit", { query: { event: "auth.login", page_size: 100 } });
  const seen = new Map<string, string>();
  for (const event of recent.items) {
    if (event.outcome === "success" && event.actor && !seen.has(event.actor)) seen.set(event.actor, event.at);
  }
  const rows = [...seen].slice(0, 20).map(([id, at]) => {
    const button = h("button", { type: "button", class: "secondary" }, "Show");
    button.addEventListener("click", () => {
      open(call("get", "/api/v1/admin/users/{id}", { params: { id } })).catch((error: unknown) =>
        replace(area, notice("error", describe(error))),
      );
    });
    return h("tr", {}, h("td", {}, h("code", {}, id)), h("td", {}, time(at)), h("td", {}, button));
  });
  main.appendChild(
    section(
      "recent",
      "Signed in lately",
      rows.length === 0
        ? h("p", { class: "empty" }, "Nobody signed in lately.")
        : h(
            "table",
            {},
            h("caption", {}, "Accounts by their last sign-in"),
            h("thead", {}, h("tr", {}, ...["Account", "Last sign-in", ""].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, ...rows),
          ),
    ),
  );
};

/** `max` per window, in words. */
function rate(max: number, windowSecs: number): string {
  const windows: Record<number, string> = { 1: "second", 60: "minute", 3600: "hour", 86400: "day" };
  const window = windows[windowSecs] ?? `${windowSecs} seconds`;
  return `${max} per ${window}`;
}

const rateLimits: Page = async ({ main }) => {
  const [limits, summary] = await Promise.all([
    call("get", "/api/v1/admin/rate-limits"),
    call("get", "/api/v1/admin/security/summary"),
  ]);
  main.appendChild(
    limits.enabled
      ? h("p", {}, "Rate limiting is on. A caller who hits a limit again within 24 hours is locked out for 1 minute, then 5, 15 and 60.")
      : notice("error", "Rate limiting is switched off on this deployment (RATE_LIMITING_ENABLED=false): no limit below applies."),
  );
  // A limit two policies share (one budget) is listed once.
  const overridden = [...new Map(limits.limits.filter((l) => l.overridden).map((l) => [l.name, l])).values()];
  main.appendChild(
    section(
      "overrides-in-force",
      "Overrides in force",
      overridden.length === 0
        ? h("p", {}, "None: every limit is the documented default.")
        : h(
            "ul",
            {},
            ...overridden.map((l) =>
              h("li", {}, h("code", {}, l.name), `: ${rate(l.max, l.window_secs)} instead of ${rate(l.default_max, l.default_window_secs)}`),
            ),
          ),
    ),
  );
  main.appendChild(
    section(
      "busiest",
      "Routes hitting their limits most (24 hours)",
      rankedTable("Rate-limit violations", "Route", "Violations", entries(summary.rate_limit_violations)),
    ),
  );
  main.appendChild(
    section(
      "policies",
      "Every limit",
      h(
        "table",
        { class: "limits" },
        h("caption", {}, "Limits by policy; reads and writes per role"),
        h("thead", {}, h("tr", {}, ...["Policy", "Limit", "Role", "Counted per", "Allowed", "Default"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          ...limits.limits.map((l) =>
            h(
              "tr",
              { class: l.overridden ? "overridden" : null },
              h("td", {}, l.policy),
              h("th", { scope: "row" }, h("code", {}, l.name)),
              h("td", {}, l.role ?? "any"),
              h("td", {}, l.per),
              h("td", {}, rate(l.max, l.window_secs), l.overridden ? h("span", { class: "badge" }, " overridden") : null),
              h("td", {}, rate(l.default_max, l.default_window_secs)),
            ),
          ),
        ),
      ),
    ),
  );
};

const RELEASE_STATUS: Record<string, string> = {
  requested: "Requested",
  deploying: "Deploying",
  verifying: "Verifying",
  awaiting_decision: "Awaiting a decision",
  promoting: "Promoting",
  promoted: "Promoted",
  rolling_back: "Rolling back",
  rolled_back: "Rolled back",
  failed: "Failed",
};

function releaseCard(r: Schemas["ReleaseView"]): HTMLElement {
  const verification = r.verification
    ? r.verification.passed
      ? `Passed: ${r.verification.probes} probes, p95 ${r.verification.p95_ms.toFixed(0)} ms, ${r.verification.error_rate_pct.toFixed(2)} % errors${r.verification.journey_passed === false ? "" : r.verification.journey_passed ? ", journey passed" : ""}.`
      : `Failed: ${r.verification.failures.join("; ")}.`
    : "Not verified yet.";
  return h(
    "article",
    { class: `release ${r.status}`, "aria-label": `Release ${r.id}` },
    h("h3", {}, `${r.env} · ${r.strategy} · `, h("span", { class: "release-status" }, RELEASE_STATUS[r.status] ?? r.status)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Release"),
      h("dd", {}, h("code", {}, r.id)),
      h("dt", {}, "Asked by"),
      h("dd", {}, `Discord user ${r.requested_by}`),
      h("dt", {}, "Deployed"),
      h("dd", {}, r.deployed ?? "—"),
      h("dt", {}, "Verification"),
      h("dd", {}, verification),
    ),
    r.versions.length === 0
      ? null
      : h(
          "table",
          {},
          h("caption", {}, "Versions moved"),
          h("thead", {}, h("tr", {}, ...["Function", "Before", "Released"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...r.versions.map((v) => h("tr", {}, h("td", {}, v.function), h("td", {}, v.from), h("td", {}, v.to)))),
        ),
    h("h4", {}, "History and decisions"),
    h(
      "ol",
      { class: "history" },
      ...r.history.map((step) => h("li", {}, time(step.at), " ", step.what, step.by ? ` (Discord user ${step.by})` : "")),
    ),
  );
}

const releases: Page = async ({ main }) => {
  const list = h("div", { "aria-live": "polite" });
  main.append(h("p", {}, "Releases are asked for and decided in Discord (/ship, then Promote or Rollback); here is their history of 90 days, newest first."), list);
  const load = async (cursor?: string): Promise<void> => {
    const page = await call("get", "/api/v1/admin/releases", { query: { cursor, page_size: 20 } });
    list.querySelector(".more")?.remove();
    if (!cursor && page.items.length === 0) {
      replace(list, h("p", { class: "empty" }, "No release in the last 90 days."));
      return;
    }
    for (const release of page.items) list.appendChild(releaseCard(release));
    if (page.next_cursor) {
      const next = page.next_cursor;
      const more = h("button", { type: "button", class: "secondary more" }, "Older releases");
      more.addEventListener("click", () => {
        more.disabled = true;
        load(next).catch((error: unknown) => list.appendChild(notice("error", describe(error))));
      });
      list.appendChild(more);
    }
  };
  await load();
};

export const adminPages: Record<string, Page> = {
  users,
  releases,
  "rate-limits": rateLimits,
  security,
  audit,
  alerts,
  "status-events": statusEvents,
  knowledge,
  "api-keys": apiKeys,
};
