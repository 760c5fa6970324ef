from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the demo logins (filled in by seed_demo)."

    def handle(self, *args, **options):
        from redprop.demo.logins import print_logins

        print_logins(self.stdout)
