// Light and dark: the account's `theme` setting, remembered in the browser so the next page
// starts in it; `system` follows the operating system.

const KEY = "rampart-theme";

export type Theme = "light" | "dark" | "system";

export function rememberedTheme(): Theme {
  try {
    const stored = localStorage.getItem(KEY);
    if (stored === "light" || stored === "dark") return stored;
  } catch {
    // Storage refused: follow the system.
  }
  return "system";
}

export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === "system") {
    delete root.dataset.theme;
  } else {
    root.dataset.theme = theme;
  }
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Nothing to remember it in.
  }
}
