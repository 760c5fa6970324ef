"""Reading a year's arrangement from a file (``manage.py calendar_import``).

The file is CSV in UTF-8, one day a line: ``date,kind,name``. ``kind`` is ``off``
(放假) or ``workday`` (调休上班); 休/放假 and 班/上班 are accepted too. A header
line and lines starting with ``#`` are skipped. List every day off of the notice
(weekend days inside a holiday too) and every adjusted working day::

    # 国务院办公厅关于2027年部分节假日安排的通知
    date,kind,name
    2027-01-01,off,元旦
    2027-02-06,off,春节
    2027-02-20,workday,春节调休上班
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils.translation import gettext as _

from redprop.calendars.choices import DayKind
from redprop.calendars.errors import CalendarError
from redprop.calendars.services import DayRow
from redprop.core.errors import ApplicationError

MAX_LINES = 400
KINDS = {
    "off": DayKind.OFF,
    "休": DayKind.OFF,
    "放假": DayKind.OFF,
    "holiday": DayKind.OFF,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
}


def _bad(line: int, message: str) -> ApplicationError:
    return ApplicationError(
        CalendarError.BAD_FILE,
        _("第 %(line)s 行：%(message)s") % {"line": line, "message": message},
        field="file",
    )


def parse_days(text: str) -> list[DayRow]:
    """The days of a file, in order. Raises ``ApplicationError`` naming the line."""
    rows: list[DayRow] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for number, fields in enumerate(reader, start=1):
        if number > MAX_LINES:
            raise _bad(number, _("文件过长"))
        cells = [c.strip() for c in fields]
        if not cells or not cells[0] or cells[0].startswith("#") or cells[0] == "date":
            continue
        if len(cells) < 2 or len(cells) > 3:
            raise _bad(number, _("每行应为：日期,类型,名称"))
        try:
            day = dt.date.fromisoformat(cells[0])
        except ValueError:
            raise _bad(number, _("日期格式应为 YYYY-MM-DD")) from None
        kind = KINDS.get(cells[1].lower())
        if kind is None:
            raise _bad(number, _("类型应为 off（放假）或 workday（调休上班）"))
        rows.append(DayRow(day, kind.value, cells[2] if len(cells) == 3 else ""))
    return rows
