from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "redprop.territory"
    verbose_name = _("区域与房屋")

    def ready(self) -> None:
        from redprop.core.places import register_place_finder
        from redprop.territory.selectors import unit_get

        # Lower apps name a unit by id (people's API); they find it through core.
        register_place_finder("unit", lambda scope, pk: unit_get(scope=scope, unit_id=pk))
