"""Seeders of the mechanisms whose demo data lives in the demo app (found by
``autodiscover_modules("demo_seed")`` like every app's)."""

from redprop.demo.registry import register_seeder
from redprop.demo.seed.meetings import seed_meetings
from redprop.demo.seed.open311 import seed_open311

register_seeder(50, seed_open311)
# After the requests (100): some are sent to meetings (上会).
register_seeder(150, seed_meetings)
