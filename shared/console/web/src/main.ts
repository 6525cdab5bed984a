// The console's entry point. The server names the page (`data-page`) and who it is for
// (`data-audience`); this draws the frame, checks the reader may see the page, and draws it.

import { ApiProblem, SignedOut, call, currentUser, maybeSignedIn, signInAddress, type Schemas } from "./api";
import { h, replace } from "./dom";
import { describe, notice } from "./forms";
import { accountPages } from "./pages/account";
import { adminPages } from "./pages/admin";
import { publicPages } from "./pages/public";
import { applyTheme, rememberedTheme } from "./theme";

export type User = Schemas["UserView"];

/** What a page is drawn with. */
export interface Context {
  user: User | null;
  main: HTMLElement;
}

export type Page = (context: Context) => Promise<void> | void;

const PAGES: Record<string, Page> = { ...publicPages, ...accountPages, ...adminPages };

interface NavItem {
  slug: string;
  label: string;
  audience: "signed-in" | "reviewer" | "admin";
}

const NAV: NavItem[] = [
  { slug: "overview", label: "Overview", audience: "signed-in" },
  { slug: "sessions", label: "Sessions", audience: "signed-in" },
  { slug: "password", label: "Password", audience: "signed-in" },
  { slug: "two-factor", label: "Two-factor", audience: "signed-in" },
  { slug: "delete-account", label: "Delete account", audience: "signed-in" },
  { slug: "security", label: "Security", audience: "admin" },
  { slug: "users", label: "Users", audience: "admin" },
  { slug: "rate-limits", label: "Rate limits", audience: "admin" },
  { slug: "audit", label: "Audit", audience: "admin" },
  { slug: "alerts", label: "Alerts", audience: "admin" },
  { slug: "releases", label: "Releases", audience: "admin" },
  { slug: "status-events", label: "Status", audience: "admin" },
  { slug: "knowledge", label: "Knowledge base", audience: "reviewer" },
  { slug: "api-keys", label: "API keys", audience: "admin" },
];

/** Whether `role` reaches a page for `audience`. */
export function allowed(audience: string, role: string | undefined): boolean {
  switch (audience) {
    case "anyone":
    case "signed-in":
      return true;
    case "reviewer":
      return role === "reviewer" || role === "admin";
    case "admin":
      return role === "admin";
    default:
      return false;
  }
}

function header(user: User | null, current: string): HTMLElement {
  const brand = h("a", { class: "brand", href: user ? "/console" : "/console/sign-in" }, "Rampart console");
  if (!user) {
    return h("header", { class: "top" }, brand, h("a", { href: "/status" }, "Status page"));
  }
  const group = (label: string, items: NavItem[]): HTMLElement | null => {
    const shown = items.filter((item) => allowed(item.audience, user.role));
    if (shown.length === 0) return null;
    const id = `nav-${label.toLowerCase().replace(/[^a-z]+/g, "-")}`;
    return h(
      "div",
      { class: "nav-group" },
      h("span", { class: "nav-label", id }, label),
      h(
        "ul",
        { "aria-labelledby": id },
        ...shown.map((item) =>
          h(
            "li",
            {},
            h("a", { href: `/console/${item.slug}`, "aria-current": item.slug === current ? "page" : null }, item.label),
          ),
        ),
      ),
    );
  };
  const signOut = h("button", { type: "button", class: "link" }, "Sign out");
  signOut.addEventListener("click", () => {
    signOut.disabled = true;
    call("post", "/api/v1/auth/logout")
      .catch(() => undefined)
      .finally(() => location.assign("/console/sign-in?signed_out=1"));
  });
  return h(
    "header",
    { class: "top" },
    brand,
    h(
      "nav",
      { "aria-label": "Console" },
      group("Your account", NAV.filter((item) => item.audience === "signed-in")),
      group("Operations", NAV.filter((item) => item.audience !== "signed-in")),
    ),
    h("p", { class: "who" }, h("span", {}, user.email), " ", h("span", { class: "role" }, user.role), " ", signOut),
  );
}

async function start(): Promise<void> {
  applyTheme(rememberedTheme());
  const root = document.documentElement;
  const slug = root.dataset.page ?? "";
  const audience = root.dataset.audience ?? "anyone";
  const app = document.getElementById("app")!;
  const main = document.getElementById("main")!;
  const title = main.querySelector("h1");
  const heading = title ?? h("h1", {}, document.title);

  // A sign-in through GitHub or Google that needs the second factor lands here with its
  // challenge in the fragment.
  if (location.hash.includes("challenge_token=") && slug !== "sign-in") {
    location.replace(`/console/sign-in${location.hash}`);
    return;
  }

  let user: User | null = null;
  try {
    user = maybeSignedIn() ? await currentUser() : null;
  } catch (error) {
    if (audience !== "anyone") {
      replace(main, heading, notice("error", describe(error)));
      return;
    }
  }
  if (audience !== "anyone" && !user) {
    location.replace(signInAddress());
    return;
  }
  if (user) {
    call("get", "/api/v1/settings")
      .then((settings) => applyTheme(settings.theme))
      .catch(() => undefined);
  }
  replace(app, header(audience === "anyone" ? null : user, slug), main);
  replace(main, heading);
  if (!allowed(audience, user?.role)) {
    main.appendChild(
      h(
        "div",
        { class: "refusal", role: "alert" },
        h("p", {}, `This page is for ${audience === "admin" ? "admins" : "reviewers and admins"}; your account's role is ${user?.role ?? "none"}.`),
        h("p", {}, h("a", { href: "/console" }, "Back to the overview")),
      ),
    );
    return;
  }
  const page = PAGES[slug];
  if (!page) {
    main.appendChild(notice("error", "This page does not exist."));
    return;
  }
  try {
    await page({ user, main });
  } catch (error) {
    if (error instanceof SignedOut) return;
    main.appendChild(notice("error", describe(error)));
    if (!(error instanceof ApiProblem)) console.error(error);
  }
}

// `data-ready` tells a test (or an extension) that the page is drawn, whatever happened.
void start().finally(() => {
  document.documentElement.dataset.ready = "true";
});
