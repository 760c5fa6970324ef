"""Receipts (收据) and the printable disclosure (公示) as PDF, with the CJK font of
docs/adr/0004-pdf-cjk-font.md (Noto Sans SC embedded, registered by
``redprop.core.pdf_fonts.register_fonts``)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from redprop.core.pdf_fonts import register_fonts
from redprop.fees.money import fmt

RED = colors.HexColor("#b71c1c")


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, str]:
    regular, bold = register_fonts()
    title = ParagraphStyle("t", fontName=bold, fontSize=16, leading=22, textColor=RED)
    body = ParagraphStyle("b", fontName=regular, fontSize=10, leading=15)
    return title, body, regular


def _table(rows: list[list[str]], font: str, widths: list[float] | None = None) -> Table:
    t = Table(rows, colWidths=widths)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c4c9d0")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#faf0ef")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return t


def receipt_pdf(
    *, payment: Any, allocations: list[tuple[str, int]], owed_after: int, credit_after: int
) -> bytes:
    """One payment's receipt: who, which unit, how much, which months it paid."""
    title, body, font = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A5), leftMargin=12 * mm, rightMargin=12 * mm)
    company = payment.compound.company.name if payment.compound.company_id else ""
    rows = [
        [_("项目"), _("内容")],
        [_("收据号"), payment.receipt_no],
        [_("房屋"), f"{payment.compound.name} {payment.unit.label}"],
        [_("收款方式"), f"{payment.get_method_display()} {payment.reference}"],
        [_("收款日期"), f"{payment.received_on:%Y-%m-%d}"],
        [_("金额（元）"), fmt(payment.amount_fen)],
    ]
    rows += [[_("核销 %(month)s 账单") % {"month": m}, fmt(f)] for m, f in allocations]
    rows += [[_("缴后欠费（元）"), fmt(owed_after)], [_("缴后余额（元）"), fmt(credit_after)]]
    story = [
        Paragraph(_("物业服务费收据"), title),
        Paragraph(company, body),
        Spacer(1, 4 * mm),
        _table(rows, font, [60 * mm, 110 * mm]),
        Spacer(1, 4 * mm),
        Paragraph(_("开具时间：%(at)s") % {"at": f"{timezone.localtime():%Y-%m-%d %H:%M}"}, body),
    ]
    doc.build(story)
    return buf.getvalue()


def disclosure_pdf(*, disclosure: Any, rows: list[tuple[str, str]]) -> bytes:
    """The month's income and spending as published, with who signed and when."""
    title, body, font = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)
    story: list[Any] = [
        Paragraph(
            _("%(compound)s %(month)s 物业收支公示")
            % {"compound": disclosure.compound.name, "month": f"{disclosure.period:%Y-%m}"},
            title,
        ),
        Spacer(1, 4 * mm),
        _table(
            [[_("项目"), _("金额（元）")], *[[a, b] for a, b in rows]], font, [100 * mm, 60 * mm]
        ),
        Spacer(1, 6 * mm),
    ]
    for label, who, at in (
        (_("业主委员会"), disclosure.committee_signed_by, disclosure.committee_signed_at),
        (_("社区党组织"), disclosure.party_signed_by, disclosure.party_signed_at),
        (_("发布"), disclosure.published_by, disclosure.published_at),
    ):
        when = f"{timezone.localtime(at):%Y-%m-%d %H:%M}" if at else _("未签")
        story.append(Paragraph(f"{label}：{who or ''} {when}", body))
    doc.build(story)
    return buf.getvalue()
