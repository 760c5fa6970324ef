"""No inline code in any template: the Content-Security-Policy (ADR 0018) refuses it.

The policy has no 'unsafe-inline' and no 'unsafe-eval', so an inline ``<script>`` block,
a ``<style>`` block, a ``style="..."`` attribute, an ``on*=`` handler, a
``javascript:`` URL or an htmx ``hx-on``/``js:`` attribute would simply not work in
the browser. This test finds them in every template of the project (and in the
Python that writes HTML) and names the file and line: move the code to
``redprop/static/redprop/*.js`` and the style to a class in ``app.css``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDPROP = ROOT / "redprop"

# Template tags and variables are blanked first (same length, newlines kept) so that
# ``{% if a > b %}`` inside a tag does not end it, and the line numbers stay right.
TEMPLATE_SYNTAX = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>", re.DOTALL)
# A <script> is allowed with a src (a static file) or as a data block.
DATA_SCRIPT = re.compile(r"""\stype\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)
SRC = re.compile(r"\ssrc\s*=", re.IGNORECASE)
ATTRIBUTE_RULES = [
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), 'style="..." attribute (use a CSS class)'),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "on*= event handler (use a static JS file)"),
    (re.compile(r"\shx-on", re.IGNORECASE), "hx-on attribute (needs 'unsafe-eval')"),
    (re.compile(r"""\shx-(vals|vars)\s*=\s*["']\s*js:""", re.IGNORECASE), "hx-vals js: (eval)"),
    (re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE), "javascript: URL"),
]
# The same tags written from Python (format_html, mark_safe, HttpResponse strings).
PY_TAG = re.compile(r"""<(script|style)\b[^"'\n]*|<[a-z]+\s[^<>"\n]*\s(style|on[a-z]+)\s*=""")


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def inline_code(text: str) -> list[tuple[int, str]]:
    """(line, what) for each piece of inline code in a template's text."""
    text = TEMPLATE_SYNTAX.sub(_blank, text)
    found = []
    for tag in TAG.finditer(text):
        name, attrs = tag.group(1).lower(), tag.group(2) or ""
        line = text.count("\n", 0, tag.start()) + 1
        if name == "script" and not SRC.search(attrs) and not DATA_SCRIPT.search(attrs):
            found.append((line, "inline <script> block (use a static JS file)"))
        if name == "style":
            found.append((line, "<style> block (put the rules in a static CSS file)"))
        for rule, what in ATTRIBUTE_RULES:
            if rule.search(attrs):
                found.append((line, what))
    return found


def templates() -> list[Path]:
    return sorted(
        p
        for p in REDPROP.rglob("*.html")
        if "templates" in p.parts and "node_modules" not in p.parts
    )


def test_the_scanner_finds_each_kind() -> None:
    sample = (
        "<p>ok</p>\n<script>alert(1)</script>\n<script src='/s.js' defer></script>\n"
        '<script id="d" type="application/json">{}</script>\n<style>p{}</style>\n'
        '<div\n  class="x" style="color:red">\n<select onchange="go()">\n'
        '<button hx-on:click="x()">\n<a href="javascript:void(0)">\n'
        "<p {% if a > b %}hidden{% endif %}>\n"
    )
    assert inline_code(sample) == [
        (2, "inline <script> block (use a static JS file)"),
        (5, "<style> block (put the rules in a static CSS file)"),
        (6, 'style="..." attribute (use a CSS class)'),
        (8, "on*= event handler (use a static JS file)"),
        (9, "hx-on attribute (needs 'unsafe-eval')"),
        (10, "javascript: URL"),
    ]


def test_no_template_has_inline_script_style_or_handlers() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in templates()
        for line, what in inline_code(path.read_text(encoding="utf-8"))
    ]
    assert len(templates()) > 20
    assert not found, (
        "Inline code that the Content-Security-Policy refuses (docs/adr/0018-csp-and-hsts.md):\n"
        + "\n".join(found)
    )


def test_no_python_writes_inline_script_or_style() -> None:
    found = []
    for path in sorted(REDPROP.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PY_TAG.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "HTML with inline code written from Python:\n" + "\n".join(found)
