"""Seeders of the mechanisms whose demo data lives in the demo app (found by
``autodiscover_modules("demo_seed")`` like every app's)."""

from redprop.demo.registry import register_seeder
from redprop.demo.seed.mediation import seed_mediation
from redprop.demo.seed.open311 import seed_open311
from redprop.demo.seed.ratings import seed_ratings
from redprop.demo.seed.votes import seed_votes

register_seeder(50, seed_open311)
# After the requests (100): service quality is computed from their rollups.
register_seeder(150, seed_ratings)
# Votes read the territory and the demo logins only.
register_seeder(160, seed_votes)
# After the requests' year (100): the cases stand on their own.
register_seeder(170, seed_mediation)
