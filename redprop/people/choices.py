from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class SensitiveField(models.TextChoices):
    """Fields that are encrypted at rest and masked by default."""

    ID_NUMBER = "id_number", _("身份证号码")
    MOBILE = "mobile", _("手机号码")
    BIRTH_DATE = "birth_date", _("出生日期")
    SENSITIVE_TAGS = "sensitive_tags", _("敏感标签")
    PARTY_MEMBERSHIP = "party_membership", _("党员身份")
    NAME_OF_MINOR = "name_of_minor", _("未成年人姓名")
    # Not a column: a read of a mediation case file naming this person (调解卷宗).
    CASE_FILE = "case_file", _("调解卷宗")


# Default tags (DOMAIN.md mechanism 14); more can be added as data in the admin.
DEFAULT_TAGS = [
    # code, name, sensitive
    ("elderly_alone", "独居老人", True),
    ("elderly", "老年人", False),
    ("child", "儿童", True),
    ("disability", "残疾人", True),
    ("low_income", "低收入/困难家庭", True),
    ("land_lost_farmer", "失地农民", False),
    ("veteran", "退役军人", False),
    ("party_member", "党员", True),
    ("tenant", "租户", False),
]
