"""Vocabularies of the Open311 GeoReport v2 interface."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from redprop.requests.choices import Status


class Datatype(models.TextChoices):
    """An attribute's datatype, as GeoReport v2 names them."""

    STRING = "string", _("单行文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


# Open311 has two states. A request is "closed" once the handler has finished
# (resolved, rated, closed) or it will not be handled (cancelled, merged into another).
OPEN311_CLOSED = frozenset(
    {Status.RESOLVED, Status.RATED, Status.CLOSED, Status.CANCELLED, Status.MERGED}
)
