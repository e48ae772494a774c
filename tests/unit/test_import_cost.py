"""What `import kalshi_ext` loads: not aiohttp (AsyncClient imports it when first made), not the
36 generated operation modules, nor all the models (each is imported on first use), nor asyncio
and the stream package (the first stream, or the first use of a stream name, imports them).
Timings are bench/bench_import.py's; this checks what is imported, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import kalshi_ext
loaded = sorted(sys.modules)
client = kalshi_ext.Client(key_id="k", private_key=sys.argv[1], demo=True)
after_client = sorted(sys.modules)
kalshi_ext.AsyncClient(key_id="k", private_key=sys.argv[1], demo=True)
after_async = sorted(sys.modules)
print(json.dumps([loaded, after_client, after_async]))
"""


def test_import_loads_no_aiohttp_operation_modules_or_all_models() -> None:
    from tests.fakes import PRIVATE_PEM

    result = subprocess.run(
        [sys.executable, "-c", PROBE, PRIVATE_PEM.decode()],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded, after_client, after_async = (set(names) for names in json.loads(result.stdout))
    for modules in (loaded, after_client):
        assert not {m for m in modules if m.split(".")[0] in ("aiohttp", "httpx_aiohttp")}
        assert not {m for m in modules if m.startswith("kalshi_generated.api.portfolio.")}
        assert "asyncio" not in modules and "importlib.metadata" not in modules
        assert not {m for m in modules if m.startswith("kalshi_ext.stream")}  # first stream()
        assert not {m for m in modules if m.startswith(("kalshi_ext.feed", "kalshi_ext.live"))}
        models = {m for m in modules if m.startswith("kalshi_generated.models.")}
        assert len(models) <= 6, sorted(models)  # error/empty replies and the order models
    assert "aiohttp" in after_async  # the first AsyncClient pays for it


def test_the_feed_names_are_exported_lazily() -> None:
    import kalshi_ext
    from kalshi_ext import feed, feed_io

    for name in ("ResumePoint", "FillNotFoundError"):
        assert getattr(kalshi_ext, name) is getattr(feed, name) and name in kalshi_ext.__all__
    for name in ("FillFeed", "AsyncFillFeed", "FeedOptions", "LivePortfolio", "LiveOptions"):
        assert getattr(kalshi_ext, name) is getattr(feed_io, name) and name in kalshi_ext.__all__
