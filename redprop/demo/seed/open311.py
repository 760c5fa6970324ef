"""The demo's Open311 client: a key for the 12345 hotline of 径河街道 whose raw value is
fixed, so ``bin/demo`` can print it on every start (a real key is shown once and only
its hash is kept)."""

from __future__ import annotations

from redprop.demo.registry import SeedContext

DEMO_KEY = "o311_demo2026_jinghe-12345-hotline-demo-only"
DEMO_KEY_NAME = "武汉市12345市民服务热线（演示）"


def seed_open311(ctx: SeedContext) -> None:
    from redprop.open311.services import key_issue

    key_issue(
        name=DEMO_KEY_NAME,
        region=ctx.focus["street"],
        per_minute=120,
        acting_user=ctx.acting_user,
        raw=DEMO_KEY,
    )
    ctx.log("Open311: demo key for the Jinghe street hotline")
