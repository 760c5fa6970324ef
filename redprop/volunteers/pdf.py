"""The printable certificate of volunteer hours (志愿服务时长证明), with the CJK font of
docs/adr/0004-pdf-cjk-font.md (``redprop.core.pdf_fonts.register_fonts``)."""

from __future__ import annotations

import io
from html import escape
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from redprop.core.pdf_fonts import register_fonts
from redprop.volunteers.choices import HoursStatus

RED = colors.HexColor("#b71c1c")


def certificate_pdf(*, record: Any) -> bytes:
    """A volunteer's approved hours: who, where, each activity served, the total. Only
    approved hours are printed (pending ones are not yet hours)."""
    regular, bold = register_fonts()
    body = ParagraphStyle("b", fontName=regular, fontSize=11, leading=17, wordWrap="CJK")
    head = ParagraphStyle("h", parent=body, fontName=bold, fontSize=20, leading=28, textColor=RED)

    def p(text: Any, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    approved = [h for h in record.hours if h.status == HoursStatus.APPROVED]
    communities = "、".join(v.community.name for v in record.volunteers if v.community_id)
    rows = [[_("服务日期"), _("活动"), _("队伍"), _("时长（小时）")]]
    rows += [
        [f"{h.served_on:%Y-%m-%d}", h.activity.title, h.activity.team.name, str(h.hours)]
        for h in approved
    ]
    rows.append(["", "", _("合计"), str(record.approved)])
    table = Table(rows, colWidths=[30 * mm, 70 * mm, 45 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c4c9d0")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#faf0ef")),
                ("ALIGN", (3, 1), (3, -1), "RIGHT"),
            ]
        )
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        title=_("志愿服务时长证明"),
    )
    story = [
        p(_("志愿服务时长证明"), head),
        Spacer(1, 4 * mm),
        p(
            _(
                "兹证明 %(name)s 同志为%(communities)s注册志愿者，经组织者审核认定，累计志愿服务 %(times)s 次，共 %(hours)s 小时。"
            )
            % {
                "name": record.person.display_name,
                "communities": communities or _("本社区"),
                "times": record.times,
                "hours": record.approved,
            }
        ),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 8 * mm),
        p(_("开具时间：%(at)s") % {"at": f"{timezone.localtime():%Y-%m-%d %H:%M}"}),
        p(_("本证明由红色物业平台根据签到、签退记录生成，仅含已认定的服务时长。")),
    ]
    doc.build(story)
    return buf.getvalue()
