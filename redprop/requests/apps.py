from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "redprop.requests"
    label = "requests"
    verbose_name = _("诉求办理")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed

        from redprop.core.sweeps import register_sweep

        # The clock (manage.py run_clock): the SLA sweep first, then auto-close.
        register_sweep("sla", "redprop.requests.services.sla_sweep")
        register_sweep("closed", "redprop.requests.services.auto_close_sweep")

        from redprop.core import refdata
        from redprop.orgs.models import Org
        from redprop.requests import policies
        from redprop.requests.models import Category, RoutingRule, SlaPolicy, SlaTarget

        # The reference data the intake reads from memory (docs/adr/0006-lean-intake.md).
        refdata.watch(SlaPolicy, policies.REFDATA_SLA)
        refdata.watch(SlaTarget, policies.REFDATA_SLA)
        refdata.watch(RoutingRule, policies.REFDATA_ROUTING)
        refdata.watch(Org, policies.REFDATA_ROUTING, policies.REFDATA_ORGS)
        refdata.watch(
            Category, policies.REFDATA_CATEGORIES, policies.REFDATA_ROUTING, policies.REFDATA_ORGS
        )

        from redprop.calendars.signals import holidays_changed

        def recompute_deadlines(*, years: list[int], **_kwargs: object) -> None:
            from redprop.requests.services import sla_recompute_for_holidays

            sla_recompute_for_holidays(years=years)

        holidays_changed.connect(
            recompute_deadlines, weak=False, dispatch_uid="requests:holidays-changed"
        )

        def handlers_changed(**_kwargs: object) -> None:
            refdata.clear(policies.REFDATA_ORGS)

        m2m_changed.connect(
            handlers_changed,
            sender=Category.handlers.through,
            weak=False,
            dispatch_uid="refdata:category-handlers",
        )

        # The hand-over (交接班) of the duty roster lists the open orders passed on.
        from redprop.duty.ports import on_handover_written, set_open_orders_source
        from redprop.requests.handover import notify_handover_written, open_orders_for_handover

        set_open_orders_source(open_orders_for_handover)
        # …and the incoming worker is told (the roster may not import notifications).
        on_handover_written(notify_handover_written)
