// The signed-in account's own pages: the overview (with the theme), sessions, password,
// two-factor authentication and deleting the account.

import qrcode from "qrcode-generator";

import { call } from "../api";
import { h, replace, svg, time } from "../dom";
import { confirmButton, describe, form, notice } from "../forms";
import type { Page } from "../main";
import { applyTheme, type Theme } from "../theme";

function definition(entries: [string, string | Node][]): HTMLElement {
  return h("dl", { class: "facts" }, ...entries.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

const overview: Page = async ({ user, main }) => {
  if (!user) return;
  main.appendChild(
    definition([
      ["Email address", user.email],
      ["Verified", user.email_verified ? "Yes" : "Not yet"],
      ["Role", user.role],
      ["Two-factor authentication", user.two_factor_enabled ? "On" : "Off"],
      ["Member since", h("span", {}, time(user.created_at))],
    ]),
  );
  const settings = await call("get", "/api/v1/settings");
  const themeForm = form(
    [
      {
        name: "theme",
        label: "Theme",
        value: settings.theme,
        options: [
          { value: "system", label: "As the system" },
          { value: "light", label: "Light" },
          { value: "dark", label: "Dark" },
        ],
      },
    ],
    "Save the theme",
    async ({ theme }) => {
      const saved = await call("put", "/api/v1/settings", { body: { ...settings, theme: theme as Theme } });
      applyTheme(saved.theme);
      return notice("ok", "Saved.");
    },
  );
  main.appendChild(h("section", { "aria-labelledby": "appearance" }, h("h2", { id: "appearance" }, "Appearance"), themeForm));
};

const sessions: Page = async ({ main }) => {
  const status = h("div", { "aria-live": "polite" });
  const table = h("div", {});
  main.append(status, table);
  const load = async (): Promise<void> => {
    const page = await call("get", "/api/v1/auth/sessions", { query: { page_size: 100 } });
    const rows = page.items.map((session) => {
      const action = session.is_current
        ? h("span", { class: "badge" }, "This session")
        : confirmButton(
            "Revoke",
            "End this session? The device using it will have to sign in again.",
            async () => {
              await call("post", "/api/v1/auth/sessions/{id}/revoke", { params: { id: session.id } });
              replace(status, notice("ok", "The session is ended."));
              await load();
            },
            status,
          );
      return h(
        "tr",
        { class: session.is_current ? "current" : null },
        h("td", {}, session.user_agent ?? "Unknown device"),
        h("td", {}, session.ip ?? "—"),
        h("td", {}, time(session.created_at)),
        h("td", {}, time(session.last_used_at)),
        h("td", {}, time(session.expires_at)),
        h("td", {}, action),
      );
    });
    replace(
      table,
      h(
        "table",
        {},
        h("caption", {}, `${page.items.length} active session${page.items.length === 1 ? "" : "s"}`),
        h(
          "thead",
          {},
          h("tr", {}, ...["Device", "Address", "Started", "Last used", "Expires", ""].map((t) => h("th", { scope: "col" }, t))),
        ),
        h("tbody", {}, ...rows),
      ),
      confirmButton(
        "Sign out everywhere else",
        "End every other session of your account?",
        async () => {
          const result = await call("post", "/api/v1/auth/sessions/revoke-others");
          replace(status, notice("ok", `${result.revoked} other session${result.revoked === 1 ? "" : "s"} ended.`));
          await load();
        },
        status,
      ),
    );
  };
  await load();
};

const password: Page = ({ main }) => {
  main.appendChild(
    form(
      [
        { name: "current_password", label: "Current password", type: "password", autocomplete: "current-password" },
        {
          name: "new_password",
          label: "New password",
          type: "password",
          autocomplete: "new-password",
          hint: "12 to 128 characters, not one of the commonly used or breached passwords.",
        },
        { name: "confirm", label: "New password again", type: "password", autocomplete: "new-password" },
      ],
      "Change the password",
      async (values) => {
        if (values.new_password !== values.confirm) return notice("error", "The two new passwords differ.");
        await call("post", "/api/v1/auth/password/change", {
          body: { current_password: values.current_password, new_password: values.new_password },
        });
        return notice("ok", "Your password is changed; every other session has ended.");
      },
    ),
  );
};

/** The enrolment's QR code, drawn here from the `otpauth://` address (it never leaves the page). */
function qrCode(address: string): SVGElement {
  const code = qrcode(0, "M");
  code.addData(address);
  code.make();
  const count = code.getModuleCount();
  const margin = 4;
  const size = count + margin * 2;
  const cells: SVGElement[] = [];
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (code.isDark(row, col)) {
        cells.push(svg("rect", { x: col + margin, y: row + margin, width: 1, height: 1 }));
      }
    }
  }
  return svg(
    "svg",
    { class: "qr", viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": "QR code of the authenticator key", "shape-rendering": "crispEdges" },
    svg("rect", { class: "qr-light", x: 0, y: 0, width: size, height: size }),
    svg("g", { class: "qr-dark" }, ...cells),
  );
}

const twoFactor: Page = ({ user, main }) => {
  if (!user) return;
  const area = h("div", {});
  main.appendChild(area);
  if (user.two_factor_enabled) {
    replace(
      area,
      h("p", {}, "Two-factor authentication is on. To turn it off, confirm with your password and a current code."),
      form(
        [
          { name: "password", label: "Password", type: "password", autocomplete: "current-password" },
          { name: "code", label: "Code from your authenticator app", autocomplete: "one-time-code", inputmode: "numeric" },
        ],
        "Turn off two-factor authentication",
        async ({ password, code }) => {
          await call("post", "/api/v1/auth/2fa/disable", { body: { password, code } });
          replace(area, notice("ok", "Two-factor authentication is off."));
        },
        { danger: true },
      ),
    );
    return;
  }
  const start = h("button", { type: "button", class: "primary" }, "Set up two-factor authentication");
  const status = h("div", { "aria-live": "polite" });
  start.addEventListener("click", () => {
    start.disabled = true;
    call("post", "/api/v1/auth/2fa/setup")
      .then((enrolment) => {
        replace(
          area,
          h("p", {}, "Scan this code with your authenticator app, or type the key in."),
          qrCode(enrolment.otpauth_url),
          h("p", {}, "Key: ", h("code", { class: "secret" }, enrolment.secret)),
          form(
            [{ name: "code", label: "The app's current code", autocomplete: "one-time-code", inputmode: "numeric" }],
            "Turn on",
            async ({ code }) => {
              const result = await call("post", "/api/v1/auth/2fa/enable", { body: { code } });
              replace(
                area,
                notice("ok", "Two-factor authentication is on."),
                h("h2", {}, "Recovery codes"),
                h(
                  "p",
                  {},
                  "Each code signs you in once without the app. Keep them somewhere safe now: they are shown only this once.",
                ),
                h("ol", { class: "codes" }, ...result.recovery_codes.map((c) => h("li", {}, h("code", {}, c)))),
                h("p", {}, h("a", { href: "/console" }, "I have saved them")),
              );
            },
          ),
        );
        area.querySelector("input")?.focus();
      })
      .catch((error: unknown) => {
        start.disabled = false;
        replace(status, notice("error", describe(error)));
      });
  });
  replace(area, h("p", {}, "Two-factor authentication is off. With it on, signing in also asks for a code from an app on your phone."), start, status);
};

const deleteAccount: Page = ({ user, main }) => {
  if (!user) return;
  main.appendChild(
    h("p", {}, "This deletes your account, every session, and everything you created. It cannot be undone."),
  );
  const fields = [
    { name: "password", label: "Password", type: "password", autocomplete: "current-password" },
    ...(user.two_factor_enabled
      ? [{ name: "code", label: "Code from your authenticator app", autocomplete: "one-time-code", inputmode: "numeric" }]
      : []),
    { name: "confirm", label: "Type DELETE to confirm" },
  ];
  main.appendChild(
    form(
      fields,
      "Delete my account",
      async (values) => {
        if (values.confirm !== "DELETE") return notice("error", "Type DELETE, in capitals, to confirm.");
        await call("delete", "/api/v1/account", { body: { password: values.password, code: values.code || null } });
        location.assign("/console/sign-in?deleted=1");
        return null;
      },
      { danger: true },
    ),
  );
};

export const accountPages: Record<string, Page> = {
  overview,
  sessions,
  password,
  "two-factor": twoFactor,
  "delete-account": deleteAccount,
};
