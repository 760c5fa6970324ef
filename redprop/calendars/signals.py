"""``holidays_changed(table=code, years=[...])`` is sent inside the transaction
that changed a holiday table, so that the apps above (requests) recompute the
deadlines that run over those years."""

from django.dispatch import Signal

holidays_changed = Signal()
