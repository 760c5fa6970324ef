import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _positive(value: str) -> float:
    scale = float(value)
    if not 0 < scale <= 100:
        raise ValueError(value)
    return scale


class Command(BaseCommand):
    help = (
        "Build the demo city (嘉峪关、濮阳、武汉径河、南宁二桥西): about 5,000 households at "
        "--scale 1, residents, companies, committees, and one demo login per role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--scale",
            type=_positive,
            default=1.0,
            help="size factor, e.g. 0.05 for a small city (default 1 ≈ 5,000 households)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if demo data is already there (bin/demo runs this on every start)",
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="reference date YYYY-MM-DD for birth dates and terms (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from redprop.demo.seed import demo_data_exists, model_counts, run_seed

        if demo_data_exists():
            if options["if_empty"]:
                self.stdout.write("演示数据已存在，跳过 / demo data already present, nothing done.")
                return
            raise CommandError(
                "演示数据已存在 / demo data already present: use a fresh database, "
                "or --if-empty to skip."
            )
        seed, scale = options["seed"], options["scale"]
        verbose = options["verbosity"] >= 1
        if verbose:
            self.stdout.write(f"生成演示数据 / seeding demo data: seed={seed} scale={scale:g}")
        from redprop.demo.progress import ProgressBar

        progress = ProgressBar(self.stdout._out) if verbose else None
        log = progress.log if progress is not None and options["verbosity"] >= 2 else None
        start = time.perf_counter()
        ctx = run_seed(seed=seed, scale=scale, today=options["today"], log=log, report=progress)
        seconds = time.perf_counter() - start
        if verbose:
            self.stdout.write("")
            for label, name, count in model_counts():
                self.stdout.write(f"  {label:<28} {count:>7,}  {name}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"\n完成 / done in {seconds:.1f}s: {len(ctx.units):,} households "
                    f"(units), {len(ctx.residents):,} residents, {len(ctx.compounds)} compounds, "
                    f"{len(ctx.grids)} grids. Logins: python manage.py demo_logins"
                )
            )
