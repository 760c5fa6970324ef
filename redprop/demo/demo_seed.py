"""Seeders of the mechanisms, all of whose demo data lives in the demo app
(``redprop/demo/seed/APP.py``; the demo app is the top layer, so no app imports it:
docs/architecture.md). Found by ``autodiscover_modules("demo_seed")``."""

from redprop.demo.registry import register_seeder
from redprop.demo.seed.campaigns import seed_campaigns
from redprop.demo.seed.duty import seed_duty
from redprop.demo.seed.fees import seed_fees
from redprop.demo.seed.mediation import seed_mediation
from redprop.demo.seed.meetings import seed_meetings
from redprop.demo.seed.notices import seed_notices
from redprop.demo.seed.open311 import seed_open311
from redprop.demo.seed.party import seed_party
from redprop.demo.seed.ratings import seed_ratings
from redprop.demo.seed.requests import seed_requests
from redprop.demo.seed.service_lists import seed_service_lists
from redprop.demo.seed.volunteers import seed_volunteers
from redprop.demo.seed.votes import seed_votes

register_seeder(50, seed_open311)
register_seeder(100, seed_requests)
# After the requests (100): some are sent to meetings (上会).
register_seeder(140, seed_meetings)
# After the requests (100): service quality is computed from their rollups.
register_seeder(150, seed_ratings)
# Votes read the territory and the demo logins only.
register_seeder(160, seed_votes)
# After the requests' year (100): the cases stand on their own.
register_seeder(170, seed_mediation)
# Notices to every level of the demo area, then Erqiaoxi's fire-safety campaign.
register_seeder(180, seed_notices)
register_seeder(190, seed_campaigns)
# A volunteer team per community; 海景北's alliance of 90 party members and 280 volunteers.
register_seeder(210, seed_volunteers)
# A year of the Jinghe red company's books (bills, payments, subsidies, disclosures).
register_seeder(300, seed_fees)
# Party building from the foundation's party members (and the organisations it formed).
register_seeder(200, seed_party)
# After the requests (100): the hand-over lists the open orders of the office.
register_seeder(230, seed_duty)
# Service lists (服务清单): after the requests (100), one need comes from a request.
register_seeder(220, seed_service_lists)
