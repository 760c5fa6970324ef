from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    PROPERTY_COMPANY = "property_company", _("物业企业")
    COBUILDING_UNIT = "cobuilding_unit", _("辖区单位/共建单位")
    RESIDENTS_COMMITTEE = "residents_committee", _("居民委员会")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    DEVELOPER = "developer", _("开发建设单位")
    STREET_OFFICE = "street_office", _("街道办事处")
    HOUSING_BUREAU = "housing_bureau", _("住房和城乡建设局")


class CompanyType(models.TextChoices):
    COMMERCIAL = "commercial", _("市场化物业企业")
    RED = "red", _("红色物业企业（非营利）")


class UnitType(models.TextChoices):
    """Kinds of 辖区单位 that take orders."""

    POLICE = "police", _("派出所")
    POWER = "power", _("供电")
    WATER = "water", _("供水")
    GAS = "gas", _("燃气")
    HEATING = "heating", _("供热")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院/卫生服务中心")
    ENTERPRISE = "enterprise", _("企业")
    GOVERNMENT = "government", _("机关事业单位")


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")


# A project with this many party members forms its own branch (DOMAIN.md §8).
BRANCH_MIN_MEMBERS = 3
