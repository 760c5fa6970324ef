from ninja import Router

router = Router(tags=["campaigns 专项整治"])
