// The pages anyone may open: sign in (with the second factor when the account has it), and
// the pages that consume a mailed link (reset a password, verify an address).

import { call, type Schemas } from "../api";
import { h, replace } from "../dom";
import { form, notice } from "../forms";
import type { Context, Page } from "../main";

/** Where to go after signing in: `?next=` when it is a console page, else the overview. */
function nextPage(): string {
  const next = new URLSearchParams(location.search).get("next") ?? "";
  return /^\/console(\/[a-z-]*)?(\?[^#]*)?$/.test(next) && !next.startsWith("//") ? next : "/console";
}

/** `#token=` of a mailed link; the fragment never reaches a server or a `Referer`. */
function fragmentValue(name: string): string {
  return new URLSearchParams(location.hash.slice(1)).get(name) ?? "";
}

function secondFactor(main: HTMLElement, challenge: string): void {
  const area = h("section", { "aria-labelledby": "second-factor" });
  const codeForm = form(
    [
      {
        name: "code",
        label: "Code from your authenticator app",
        autocomplete: "one-time-code",
        inputmode: "numeric",
        pattern: "[0-9]{6}",
        hint: "Six digits; a new one every 30 seconds.",
      },
    ],
    "Verify",
    async ({ code }) => {
      await call("post", "/api/v1/auth/2fa/verify", { body: { challenge_token: challenge, code } });
      location.assign(nextPage());
    },
  );
  const recoveryForm = form(
    [{ name: "recovery_code", label: "Recovery code", hint: "One of the codes you saved when you set up two-factor authentication." }],
    "Use recovery code",
    async ({ recovery_code }) => {
      await call("post", "/api/v1/auth/2fa/verify", { body: { challenge_token: challenge, recovery_code } });
      location.assign(nextPage());
    },
  );
  recoveryForm.hidden = true;
  const toggle = h("button", { type: "button", class: "link" }, "Use a recovery code instead");
  toggle.addEventListener("click", () => {
    recoveryForm.hidden = !recoveryForm.hidden;
    codeForm.hidden = !recoveryForm.hidden;
    toggle.textContent = recoveryForm.hidden ? "Use a recovery code instead" : "Use a code from the app";
    (recoveryForm.hidden ? codeForm : recoveryForm).querySelector("input")?.focus();
  });
  replace(
    area,
    h("h2", { id: "second-factor" }, "Two-factor authentication"),
    h("p", {}, "Your account asks for a second factor. The challenge lasts five minutes."),
    codeForm,
    recoveryForm,
    toggle,
  );
  const heading = main.querySelector("h1");
  replace(main, heading, area);
  codeForm.querySelector("input")?.focus();
}

const signIn: Page = ({ user, main }: Context) => {
  const params = new URLSearchParams(location.search);
  if (params.get("signed_out")) main.appendChild(notice("ok", "You are signed out."));
  if (params.get("deleted")) main.appendChild(notice("ok", "Your account is deleted."));
  if (user) {
    main.appendChild(
      h("p", {}, `You are signed in as ${user.email}. `, h("a", { href: nextPage() }, "Continue")),
    );
  }
  const challenge = fragmentValue("challenge_token");
  if (challenge) {
    history.replaceState(null, "", location.pathname + location.search);
    secondFactor(main, challenge);
    return;
  }
  main.appendChild(
    form(
      [
        { name: "email", label: "Email address", type: "email", autocomplete: "username" },
        { name: "password", label: "Password", type: "password", autocomplete: "current-password" },
      ],
      "Sign in",
      async ({ email, password }) => {
        const result = await call("post", "/api/v1/auth/login", { body: { email, password } });
        if (result && "two_factor_required" in result && result.two_factor_required) {
          secondFactor(main, (result as Schemas["Challenge"]).challenge_token);
          return;
        }
        location.assign(nextPage());
      },
    ),
  );
  main.appendChild(h("p", {}, h("a", { href: "/console/forgot-password" }, "Forgotten your password?")));
  main.querySelector("input")?.focus();
};

const forgotPassword: Page = ({ main }) => {
  main.appendChild(h("p", {}, "We will mail a link to choose a new password. It works once, for an hour."));
  main.appendChild(
    form([{ name: "email", label: "Email address", type: "email", autocomplete: "username" }], "Send the link", async ({ email }) => {
      await call("post", "/api/v1/auth/password/forgot", { body: { email } });
      return notice("ok", "If an account uses this address, a link is on its way. Check your mail.");
    }),
  );
};

function tokenField(): { name: string; label: string; hint: string } | null {
  return fragmentValue("token")
    ? null
    : { name: "token", label: "Code from the mail", hint: "Or open the link in the mail, which fills this in." };
}

const resetPassword: Page = ({ main }) => {
  const token = fragmentValue("token");
  const fields = [
    ...(tokenField() ? [tokenField()!] : []),
    {
      name: "password",
      label: "New password",
      type: "password",
      autocomplete: "new-password",
      hint: "12 to 128 characters, not one of the commonly used or breached passwords.",
    },
    { name: "confirm", label: "New password again", type: "password", autocomplete: "new-password" },
  ];
  main.appendChild(
    form(fields, "Set the new password", async (values) => {
      if (values.password !== values.confirm) return notice("error", "The two passwords differ.");
      await call("post", "/api/v1/auth/password/reset", {
        body: { token: token || values.token, password: values.password },
      });
      return h(
        "div",
        {},
        notice("ok", "Your password is changed and every session of the account has ended."),
        h("p", {}, h("a", { href: "/console/sign-in" }, "Sign in")),
      );
    }),
  );
};

const verifyEmail: Page = ({ main }) => {
  const token = fragmentValue("token");
  main.appendChild(
    h(
      "p",
      {},
      "Enter the password you chose when you registered to keep it. Without it the address is still verified, but that password is removed (so that nobody who registered your address before you could keep a way in); you then choose one with “Forgotten your password?”.",
    ),
  );
  const fields = [
    ...(tokenField() ? [tokenField()!] : []),
    { name: "password", label: "Password", type: "password", autocomplete: "current-password", required: false },
  ];
  main.appendChild(
    form(fields, "Verify the address", async (values) => {
      const result = await call("post", "/api/v1/auth/verify-email", {
        body: { token: token || values.token, password: values.password || null },
      });
      return h(
        "div",
        {},
        notice("ok", `${result.user.email} is verified.`),
        h("p", {}, h("a", { href: "/console/sign-in" }, "Sign in")),
      );
    }),
  );
};

export const publicPages: Record<string, Page> = {
  "sign-in": signIn,
  "forgot-password": forgotPassword,
  "reset-password": resetPassword,
  "verify-email": verifyEmail,
};
