"""English translation: the catalogue is complete, compiled, and served.

The source strings are Simplified Chinese; locale/en/LC_MESSAGES/django.po holds the
English. Run bin/i18n after adding strings: it refreshes the .po and compiles the .mo
(committed, so bin/demo works without GNU gettext).
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
LOGIN = "/accounts/login/"


# --- a small .po reader (no polib in the project) ---------------------------------


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index 0 when not plural
    flags: set[str] = field(default_factory=set)


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a PO string is a C-style "..." literal


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file (single- and multi-line strings, plurals, contexts).

    Obsolete (``#~``) entries and the header (empty msgid) are left out.
    """
    entries: list[Entry] = []
    cur = Entry()
    target: tuple[str, int] | None = None  # which string a continuation line extends
    started = False

    def flush() -> None:
        nonlocal cur, started
        if started and cur.msgid:
            entries.append(cur)
        cur, started = Entry(), False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            target = None
            continue
        if line.startswith("#"):
            if started and not line.startswith("#~"):
                flush()  # a comment after strings opens the next entry
            if line.startswith("#,"):
                cur.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        m = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if m:
            keyword, index, text = m.group(1), int(m.group(2) or 0), _unquote(m.group(3))
            if started and (keyword == "msgctxt" or (keyword == "msgid" and cur.msgstr)):
                flush()
            started = True
            target = (keyword, index)
        elif line.startswith('"') and target:
            keyword, index, text = target[0], target[1], _unquote(line)
        else:
            raise AssertionError(f"{path}: cannot parse line {raw!r}")
        if keyword == "msgctxt":
            cur.msgctxt = (cur.msgctxt or "") + text
        elif keyword == "msgid":
            cur.msgid += text
        elif keyword == "msgid_plural":
            cur.msgid_plural = (cur.msgid_plural or "") + text
        else:
            cur.msgstr[index] = cur.msgstr.get(index, "") + text
    flush()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO.exists(), f"{PO} is missing: run bin/i18n"
    return read_po(PO)


# --- the catalogue ---------------------------------------------------------------------


def test_po_reader_handles_multiline_and_plural(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid ""\n"长"\n"句"\nmsgstr ""\n"Long "\n"line"\n\n'
        'msgid "%(n)d 天"\nmsgid_plural "%(n)d 天"\nmsgstr[0] "%(n)d day"\n'
        'msgstr[1] "%(n)d days"\n\n'
        'msgctxt "c"\nmsgid "引号\\"x\\""\nmsgstr "quote \\"x\\""\n',
        encoding="utf-8",
    )
    long, plural, ctx = read_po(po)
    assert (long.msgid, long.msgstr, long.flags) == ("长句", {0: "Long line"}, {"python-format"})
    assert plural.msgid_plural == "%(n)d 天"
    assert plural.msgstr == {0: "%(n)d day", 1: "%(n)d days"}
    assert (ctx.msgctxt, ctx.msgid, ctx.msgstr[0]) == ("c", '引号"x"', 'quote "x"')


def test_every_entry_is_translated_and_checked(po_entries):
    assert len(po_entries) > 100
    untranslated = [e.msgid for e in po_entries if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in po_entries if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in {PO}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy (check, then remove the flag) in {PO}: {fuzzy[:10]}"


_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|%[sd]")
_BRACE = re.compile(r"\{(\w*)\}")


@pytest.mark.parametrize("kind", ["python-format", "python-brace-format"])
def test_placeholders_are_kept(po_entries, kind):
    pattern = _PLACEHOLDER if kind == "python-format" else _BRACE

    def names(s: str) -> set[str]:
        return {m.group(0) if not m.group(1) else m.group(1) for m in pattern.finditer(s)}

    bad = []
    for e in po_entries:
        if kind not in e.flags:
            continue
        for s in e.msgstr.values():
            # Plural forms may drop the number ("1 day" style) but never invent names.
            wanted = names(e.msgid) | names(e.msgid_plural or "")
            if not names(s) <= wanted or (not e.msgid_plural and names(s) != wanted):
                bad.append((e.msgid, s))
    assert not bad, bad


def test_mo_is_compiled_from_the_current_po(po_entries):
    """Every translation in the .po is in the .mo: run bin/i18n (compilemessages) if not."""
    assert MO.exists(), f"{MO} is missing: run bin/i18n"
    with MO.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    stale = []
    for e in po_entries:
        if "fuzzy" in e.flags:
            continue
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        for index, text in e.msgstr.items():
            if not text:
                continue
            got = catalog.get((key, index)) if e.msgid_plural else catalog.get(key)
            if got != text:
                stale.append((e.msgid, text, got))
    assert not stale, f"{MO} is older than {PO} (run bin/i18n): {stale[:5]}"


def test_gettext_uses_the_catalogue():
    with translation.override("en"):
        assert translation.gettext("红色物业") == "Red Property"
        assert translation.ngettext("%(n)d 天", "%(n)d 天", 1) % {"n": 1} == "1 day"
        assert translation.ngettext("%(n)d 天", "%(n)d 天", 3) % {"n": 3} == "3 days"
    with translation.override("zh-hans"):
        assert translation.gettext("红色物业") == "红色物业"


# --- the pages -------------------------------------------------------------------------


def test_login_page_in_english(client):
    r = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<html lang="en">' in html
    assert "<title>Log in · Red Property</title>" in html
    assert "Red Property Platform" in html
    assert "Username or mobile number" in html
    assert "用户名或手机号" not in html
    assert "红色物业平台" not in html


def test_login_page_in_chinese(client):
    r = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "<title>登录 · 红色物业</title>" in html
    assert "红色物业平台" in html
    assert "用户名或手机号" in html
    assert "Username or mobile number" not in html


def test_chinese_is_the_default(client):
    html = client.get(LOGIN).content.decode()
    assert "用户名或手机号" in html


@pytest.mark.django_db
def test_login_error_in_english(client):
    r = client.post(LOGIN, {"username": "nobody", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert "Incorrect username/mobile number or password" in r.content.decode()


def test_setlang_switches_to_english_and_back(client):
    r = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert r.status_code == 302
    assert r["Location"] == LOGIN
    assert r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The cookie wins over the browser's Accept-Language.
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Username or mobile number" in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": LOGIN})
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "用户名或手机号" in html


def test_every_model_has_a_chinese_name():
    """The admin, the demo's table of counts and the audit log name models by their
    verbose names: a model without one shows its class name in English."""
    import re

    from django.apps import apps

    nameless = [
        m._meta.label
        for m in apps.get_models()
        if m.__module__.startswith("redprop")
        and not re.search(r"[\u4e00-\u9fff]", str(m._meta.verbose_name))
    ]
    assert not nameless, f"models without a Chinese verbose_name: {nameless}"
