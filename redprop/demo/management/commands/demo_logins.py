from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the demo logins (filled in by seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=None,
            help="where the demo is served (default http://127.0.0.1:$PORT/, PORT=8000)",
        )

    def handle(self, *args, **options):
        from redprop.demo.logins import print_logins

        print_logins(self.stdout, url=options["url"])
