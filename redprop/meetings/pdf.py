"""The minutes (会议纪要) as a PDF, with the CJK font embedded as the reports do
(docs/adr/0004-pdf-cjk-font.md: Noto Sans SC from ``REDPROP_PDF_FONT_DIR``, else the
CID font STSong-Light). The font registration is repeated here rather than imported
from ``redprop.dashboards`` (a higher layer than meetings)."""

from __future__ import annotations

import io
from html import escape
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from redprop.meetings import recurrence, selectors

FONT, FONT_BOLD, FALLBACK = "NotoSansSC", "NotoSansSC-Bold", "STSong-Light"
REGULAR_FILE, BOLD_FILE = "NotoSansSC_400Regular.ttf", "NotoSansSC_700Bold.ttf"


def register_fonts() -> tuple[str, str]:
    registered = pdfmetrics.getRegisteredFontNames()
    if FONT in registered:
        return FONT, FONT_BOLD if FONT_BOLD in registered else FONT
    folder = Path(getattr(settings, "REDPROP_PDF_FONT_DIR", settings.BASE_DIR / "var" / "fonts"))
    regular, bold = folder / REGULAR_FILE, folder / BOLD_FILE
    if not regular.exists():
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if FALLBACK not in registered:
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
        return FALLBACK, FALLBACK
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold if bold.exists() else regular)))
    return FONT, FONT_BOLD


def minutes_pdf(*, meeting: Any) -> bytes:
    """The meeting's minutes: heading, attendance by party, each agenda item with its
    discussion and resolution (responsible party, deadline, status, carried count)."""
    regular, bold = register_fonts()
    body = ParagraphStyle("b", fontName=regular, fontSize=10, leading=15, wordWrap="CJK")
    head = ParagraphStyle("h", parent=body, fontName=bold, fontSize=16, leading=22)
    sub = ParagraphStyle("s", parent=body, fontName=bold, fontSize=12, leading=18)

    def p(text: Any, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    local = meeting.starts_at.astimezone(recurrence.zone())
    story: list[Any] = [
        p(_("会议纪要") + " · " + meeting.title, head),
        p(
            _("类型：%(kind)s　时间：%(when)s　地点：%(place)s　召集人：%(convener)s")
            % {
                "kind": meeting.get_kind_display(),
                "when": local.strftime("%Y-%m-%d %H:%M"),
                "place": meeting.place,
                "convener": meeting.convener,
            }
        ),
        Spacer(1, 4 * mm),
        p(_("出席情况"), sub),
    ]
    rows = [[p(_("参会方")), p(_("邀请")), p(_("出席")), p(_("缺席"))]]
    for slot in selectors.attendance_by_party(meeting=meeting).values():
        if slot["invited"]:
            rows.append(
                [p(slot["label"]), p(slot["invited"]), p(slot["present"]), p(slot["absent"])]
            )
    table = Table(rows, colWidths=[60 * mm, 30 * mm, 30 * mm, 30 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    story += [table, Spacer(1, 4 * mm), p(_("议程与决议"), sub)]
    items = selectors.agenda(meeting=meeting)
    latest = selectors.resolutions_of_issue(i.issue_id for i in items)
    for item in items:
        title = f"{item.position}. {item.issue.title}"
        if item.carried_count:
            title += "　" + _("（结转 %(n)s 次）") % {"n": item.carried_count}
        story.append(p(title, sub))
        raised = item.issue.raised_by_person or item.issue.raised_by
        if raised:
            story.append(
                p(
                    _("提出人：%(who)s（%(src)s）")
                    % {"who": raised, "src": item.issue.get_source_display()}
                )
            )
        story.append(p(_("讨论情况：%(text)s") % {"text": item.discussion or "—"}))
        res = getattr(item, "resolution", None) or latest.get(item.issue_id)
        if res is not None:
            story.append(
                p(
                    _("决议：%(text)s；责任方：%(who)s；完成时限：%(deadline)s；状态：%(status)s")
                    % {
                        "text": res.text,
                        "who": res.responsible_org or res.responsible_person,
                        "deadline": res.deadline.isoformat(),
                        "status": res.get_status_display(),
                    }
                )
            )
        elif item.status == "deferred":
            story.append(p(_("暂缓，结转下次会议")))
        story.append(Spacer(1, 2 * mm))
    if meeting.summary:
        story += [p(_("会议小结"), sub), p(meeting.summary)]
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=A4, title=meeting.title, leftMargin=18 * mm, rightMargin=18 * mm
    ).build(story)
    return buf.getvalue()
