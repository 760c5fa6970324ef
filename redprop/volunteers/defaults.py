"""The skills the articles name (medical, appliance repair, sewing…) and a few more a
residents' service alliance offers: data, installed by a migration and editable."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

DEFAULT_SKILLS: list[tuple[str, str]] = [
    ("medical", gettext_noop("医疗保健")),
    ("appliance_repair", gettext_noop("家电维修")),
    ("sewing", gettext_noop("缝补衣物")),
    ("haircut", gettext_noop("理发")),
    ("legal", gettext_noop("法律咨询")),
    ("cleaning", gettext_noop("环境清扫")),
    ("elderly_care", gettext_noop("助老陪伴")),
    ("tutoring", gettext_noop("课业辅导")),
    ("plumbing", gettext_noop("水电维修")),
    ("mediation", gettext_noop("邻里调解")),
]


def install_default_skills(skill_model: Any) -> None:
    for order, (code, name) in enumerate(DEFAULT_SKILLS):
        skill_model.objects.get_or_create(code=code, defaults={"name": name, "order": order})
