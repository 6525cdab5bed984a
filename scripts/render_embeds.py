"""Renders Discord message payloads (embeds and buttons) to PNG, as a person would see them.

    render_embeds.py <folder>

For each `<name>.json` in the folder (a message body as the bot sends it to Discord, kept by
the black-box tests), writes `<name>.png` beside it: the payload laid out in HTML close to
Discord's dark theme, screenshotted by headless Chromium. Run by scripts/render-embeds.sh.
"""

import html
import json
import re
import pathlib
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

STYLE = """
body { margin: 0; padding: 16px; background: #313338; font-family: 'DejaVu Sans', sans-serif;
       color: #dbdee1; font-size: 14px; width: 620px; }
.message { display: flex; gap: 12px; }
.avatar { width: 40px; height: 40px; border-radius: 50%; background: #5865f2; flex: none; }
.name { color: #f2f3f5; font-weight: 600; }
.tag { background: #5865f2; color: white; font-size: 10px; border-radius: 3px; padding: 1px 4px;
       margin-left: 4px; }
.content { margin: 4px 0; white-space: pre-wrap; }
.embed { margin-top: 6px; background: #2b2d31; border-left: 4px solid #1e1f22;
         border-radius: 4px; padding: 10px 14px; max-width: 520px; }
.title { color: #f2f3f5; font-weight: 700; margin-bottom: 6px; }
.description { margin-bottom: 8px; white-space: pre-wrap; }
.fields { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px 12px; }
.field { grid-column: span 3; }
.field.inline { grid-column: span 1; }
.field-name { color: #f2f3f5; font-weight: 600; font-size: 13px; }
.field-value { white-space: pre-wrap; font-size: 13px; }
.footer { margin-top: 8px; font-size: 11px; color: #b5bac1; }
.buttons { display: flex; gap: 8px; margin-top: 8px; }
code { background: #1e1f22; border-radius: 3px; padding: 0 3px; font-size: 12px; }
.button { background: #4e5058; color: white; border-radius: 3px; padding: 6px 14px; font-size: 13px; }
"""


def text(value):
    return html.escape(str(value or ""))


def markdown(value):
    """Escaped text with the Markdown Discord renders in messages: **bold** and `code`."""
    escaped = text(value)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def render(payload):
    parts = ['<div class="message"><div class="avatar"></div><div>',
             '<span class="name">Rampart</span><span class="tag">BOT</span>']
    if payload.get("content"):
        parts.append(f'<div class="content">{markdown(payload["content"])}</div>')
    for embed in payload.get("embeds", []):
        color = embed.get("color")
        border = f"#{color:06x}" if isinstance(color, int) else "#1e1f22"
        parts.append(f'<div class="embed" style="border-left-color: {border}">')
        parts.append(f'<div class="title">{text(embed.get("title"))}</div>')
        if embed.get("description"):
            parts.append(f'<div class="description">{markdown(embed["description"])}</div>')
        parts.append('<div class="fields">')
        for field in embed.get("fields", []):
            inline = " inline" if field.get("inline") else ""
            parts.append(
                f'<div class="field{inline}"><div class="field-name">{text(field.get("name"))}'
                f'</div><div class="field-value">{markdown(field.get("value"))}</div></div>')
        parts.append("</div>")
        footer = (embed.get("footer") or {}).get("text")
        if footer:
            parts.append(f'<div class="footer">{text(footer)}</div>')
        parts.append("</div>")
    for row in payload.get("components", []):
        parts.append('<div class="buttons">')
        for button in row.get("components", []):
            parts.append(f'<div class="button">{text(button.get("label"))}</div>')
        parts.append("</div>")
    parts.append("</div></div>")
    return f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style></head>" \
           f"<body>{''.join(parts)}</body></html>"


def main():
    folder = pathlib.Path(sys.argv[1])
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=700,1200", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for source in sorted(folder.glob("*.json")):
                page = pathlib.Path(scratch) / f"{source.stem}.html"
                page.write_text(render(json.loads(source.read_text())), encoding="utf-8")
                driver.get(page.as_uri())
                target = source.with_suffix(".png")
                driver.find_element(By.CLASS_NAME, "message").screenshot(str(target))
                print(f"rendered {target}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
