"""The CJK font of every PDF (Noto Sans SC, embedded): registered once with reportlab.

Shared by the dashboards' monthly report and the fees' receipts and disclosures; the
font choice is explained in docs/adr/0004-pdf-cjk-font.md. Core: imports no app.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)

FONT = "NotoSansSC"
FONT_BOLD = "NotoSansSC-Bold"
FALLBACK_FONT = "STSong-Light"
REGULAR_FILE = "NotoSansSC_400Regular.ttf"
BOLD_FILE = "NotoSansSC_700Bold.ttf"


def font_dir() -> Path:
    return Path(getattr(settings, "REDPROP_PDF_FONT_DIR", settings.BASE_DIR / "var" / "fonts"))


def register_fonts() -> tuple[str, str]:
    """Register Noto Sans SC (regular, bold) once; returns the two font names.

    Without the font files (set-up not run) a report is still produced with the
    non-embedded CID font STSong-Light, which needs CJK fonts on the reader's side.
    """
    registered = pdfmetrics.getRegisteredFontNames()
    if FONT in registered:
        return FONT, FONT_BOLD if FONT_BOLD in registered else FONT
    regular, bold = font_dir() / REGULAR_FILE, font_dir() / BOLD_FILE
    if not regular.exists():
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        logger.warning("PDF font %s missing; falling back to %s", regular, FALLBACK_FONT)
        if FALLBACK_FONT not in registered:
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        return FALLBACK_FONT, FALLBACK_FONT
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    if bold.exists():
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
    else:
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(regular)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
    return FONT, FONT_BOLD
