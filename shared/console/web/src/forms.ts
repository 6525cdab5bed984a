// Forms driven by the API's own problem documents: each problem is said in words a person
// understands, and a field a validation failure names gets its message beside it.

import { ApiProblem, SignedOut, type Problem } from "./api";
import { type Child, h, replace, uniqueId } from "./dom";

const WORDS: Record<string, string> = {
  invalid_credentials: "The email address or password is not right.",
  invalid_code: "That code is not right, or it was already used. Codes change every 30 seconds.",
  invalid_token: "This link or code is not valid any more: it was used already or it expired. Ask for a new one.",
  invalid_refresh: "Your session has ended. Please sign in again.",
  refresh_reused: "Your session was ended for safety. Please sign in again.",
  unauthenticated: "Please sign in again.",
  forbidden: "Your account's role does not allow this.",
  email_unverified: "Verify your email address first: the link is in the mail we sent you.",
  csrf_missing: "This page's security token is missing. Reload the page and try again.",
  csrf_mismatch: "This page's security token is out of date. Reload the page and try again.",
  not_found: "That does not exist (any more).",
  conflict: "That clashes with what is already there.",
  feature_disabled: "This feature is switched off on this deployment.",
  payload_too_large: "That is too large to send.",
  service_unavailable: "The service is busy or restarting. Try again in a moment.",
  feature_degraded: "This feature is paused while a dependency recovers. Try again in a moment.",
};

/** A problem in words, for a person. */
export function describe(error: unknown): string {
  if (error instanceof ApiProblem) {
    const p: Problem = error.problem;
    if (p.code === "rate_limited" || p.status === 429) {
      const wait = error.retryAfter ? ` Try again in ${error.retryAfter} seconds.` : " Try again later.";
      return `Too many attempts.${wait}`;
    }
    if (p.code === "validation_failed") {
      return "Some of what you entered needs another look.";
    }
    const words = WORDS[p.code];
    if (words) return words;
    if (p.status >= 500) {
      const reference = p.request_id ? ` (reference ${p.request_id})` : "";
      return `Something went wrong on our side${reference}. Try again in a moment.`;
    }
    return p.detail || p.title;
  }
  if (error instanceof TypeError) return "The server could not be reached. Check your connection.";
  return "Something unexpected went wrong.";
}

/** A notice region: `role=alert` for problems, `role=status` for confirmations. */
export function notice(kind: "error" | "ok", text: string): HTMLElement {
  return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/** One field of a form. */
export interface Field {
  name: string;
  label: string;
  type?: string;
  autocomplete?: string;
  required?: boolean;
  value?: string;
  hint?: string;
  inputmode?: string;
  pattern?: string;
  options?: { value: string; label: string }[];
  multiline?: boolean;
}

/** A labelled form; `submit` gets the values, and its problems are shown. */
export function form(
  fields: Field[],
  submitLabel: string,
  submit: (values: Record<string, string>) => Promise<Child | void>,
  options: { danger?: boolean; label?: string; inline?: boolean } = {},
): HTMLFormElement {
  const status = h("div", { class: "form-status", "aria-live": "polite" });
  const inputs = new Map<string, { input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement; error: HTMLElement }>();
  const rows = fields.map((field) => {
    const id = uniqueId(field.name);
    const errorId = `${id}-error`;
    const hintId = `${id}-hint`;
    const describedBy = [field.hint ? hintId : "", errorId].filter(Boolean).join(" ");
    let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (field.options) {
      input = h(
        "select",
        { id, name: field.name, required: field.required ?? true, "aria-describedby": describedBy },
        ...field.options.map((o) => h("option", { value: o.value, selected: o.value === field.value }, o.label)),
      );
    } else if (field.multiline) {
      input = h("textarea", {
        id,
        name: field.name,
        required: field.required ?? true,
        rows: 5,
        "aria-describedby": describedBy,
      });
      input.value = field.value ?? "";
    } else {
      input = h("input", {
        id,
        name: field.name,
        type: field.type ?? "text",
        autocomplete: field.autocomplete ?? "off",
        required: field.required ?? true,
        inputmode: field.inputmode,
        pattern: field.pattern,
        "aria-describedby": describedBy,
      });
      input.value = field.value ?? "";
    }
    const error = h("p", { class: "field-error", id: errorId });
    inputs.set(field.name, { input, error });
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, field.label),
      field.hint ? h("p", { class: "hint", id: hintId }, field.hint) : null,
      input,
      error,
    );
  });
  const button = h("button", { type: "submit", class: options.danger ? "danger" : "primary" }, submitLabel);
  const element = h(
    "form",
    { novalidate: true, "aria-label": options.label ?? submitLabel, class: options.inline ? "inline" : null },
    ...rows,
    button,
    status,
  );
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      for (const { input, error } of inputs.values()) {
        input.removeAttribute("aria-invalid");
        replace(error);
      }
      replace(status);
      const values: Record<string, string> = {};
      let missing: HTMLElement | null = null;
      for (const field of fields) {
        const { input, error } = inputs.get(field.name)!;
        values[field.name] = input.value.trim() === "" ? "" : field.type === "password" ? input.value : input.value.trim();
        if ((field.required ?? true) && values[field.name] === "") {
          input.setAttribute("aria-invalid", "true");
          replace(error, `${field.label} is needed.`);
          missing ??= input;
        }
      }
      if (missing) {
        missing.focus();
        return;
      }
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      try {
        const result = await submit(values);
        if (result) replace(status, result);
      } catch (error) {
        if (error instanceof SignedOut) return;
        replace(status, notice("error", describe(error)));
        if (error instanceof ApiProblem) {
          let first: HTMLElement | null = null;
          for (const fieldError of error.problem.errors ?? []) {
            const target = inputs.get(fieldError.field);
            if (!target) {
              status.appendChild(h("p", { class: "field-error" }, `${fieldError.field}: ${fieldError.message}`));
              continue;
            }
            target.input.setAttribute("aria-invalid", "true");
            replace(target.error, fieldError.message);
            first ??= target.input;
          }
          first?.focus();
        }
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    })();
  });
  return element;
}

/** A button that asks before it acts, then shows what happened. */
export function confirmButton(
  label: string,
  question: string,
  act: () => Promise<void>,
  where: HTMLElement,
  options: { danger?: boolean } = {},
): HTMLButtonElement {
  const button = h("button", { type: "button", class: options.danger ? "danger" : "secondary" }, label);
  button.addEventListener("click", () => {
    if (!window.confirm(question)) return;
    button.disabled = true;
    act()
      .catch((error: unknown) => {
        if (!(error instanceof SignedOut)) replace(where, notice("error", describe(error)));
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return button;
}
