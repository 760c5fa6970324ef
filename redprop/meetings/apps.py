from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "redprop.meetings"
    label = "meetings"
    verbose_name = _("议事协商")

    def ready(self) -> None:
        from redprop.meetings.services import vote_result_received
        from redprop.votes.signals import vote_published

        # A vote a resolution launched reports its result back (votes never imports us).
        vote_published.connect(vote_result_received, dispatch_uid="meetings.vote_result")
