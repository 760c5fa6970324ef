"""Seeders of the mechanisms, all of whose demo data lives in the demo app
(``redprop/demo/seed/APP.py``; the demo app is the top layer, so no app imports it:
docs/architecture.md). Found by ``autodiscover_modules("demo_seed")``."""

from redprop.demo.registry import register_seeder
from redprop.demo.seed.open311 import seed_open311
from redprop.demo.seed.requests import seed_requests

register_seeder(50, seed_open311)
register_seeder(100, seed_requests)
