"""The JSON API root under /api/v1/: where the project is assembled.

Core gives the error shape and the session auth, accounts the token auth, and each
app its router; this module, above them all, puts them together (docs/architecture.md),
so no app imports another app's API to register it. A new app's router goes here.
"""

from __future__ import annotations

from ninja import NinjaAPI

from redprop.accounts.api_auth import TokenAuth
from redprop.campaigns.api import router as campaigns_router
from redprop.core.api import SessionAuth, install_error_handlers
from redprop.duty.api import router as duty_router
from redprop.fees.api import router as fees_router
from redprop.mediation.api import router as mediation_router
from redprop.meetings.api import router as meetings_router
from redprop.notices.api import router as notices_router
from redprop.notifications.api import router as notifications_router
from redprop.party.api import router as party_router
from redprop.people.api import router as people_router
from redprop.ratings.api import router as ratings_router
from redprop.requests.api import router as requests_router
from redprop.service_lists.api import router as service_lists_router
from redprop.territory.api import router as territory_router
from redprop.volunteers.api import router as volunteers_router
from redprop.votes.api import router as votes_router

api = NinjaAPI(
    title="RedProp 红色物业平台 API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

api.add_router("/territory", territory_router)
api.add_router("/people", people_router)
api.add_router("/notifications", notifications_router)
api.add_router("/requests", requests_router)
api.add_router("/votes", votes_router)
api.add_router("/meetings", meetings_router)
api.add_router("/ratings", ratings_router)
api.add_router("/mediation", mediation_router)
api.add_router("/notices", notices_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/fees", fees_router)
api.add_router("/party", party_router)
api.add_router("/duty", duty_router)
api.add_router("/volunteers", volunteers_router)
api.add_router("/service-lists", service_lists_router)
