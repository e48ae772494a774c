"""The typed surface at runtime: every operation and iterator of both clients shows its real
keyword-only parameters, defaults, return model and docstring (inspect.signature, help()), and
`make check-generated` fails when kalshi_ext/generated_methods.py is stale."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import pydoc
import subprocess
import sys
import typing
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
import pytest

import kalshi_generated.api.portfolio as portfolio
from kalshi_ext import AsyncClient, AsyncPager, Client, KalshiConfig, SyncPager
from kalshi_ext.errors import ArgumentTypeError
from kalshi_ext.methods import TextList
from kalshi_ext.orders import DEFAULT_TICK, DEFAULT_TIME_IN_FORCE
from kalshi_ext.pagination import PAGED
from kalshi_generated.models import CreateOrderV2Response, Fill, GetOrdersResponse
from tests.fakes import BASE_URL, FakeTime

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = sorted(m.name for m in pkgutil.iter_modules(portfolio.__path__))
# Parameters of kalshi_ext's own (kalshi_ext/orders.py), beside the spec's.
LIBRARY_PARAMETERS = {
    "create_order": {"retry", "tick_size"},
    "batch_create_orders": {"retry", "tick_size"},
    "amend_order": {"tick_size"},
}


def spec_parameters(name: str) -> set[str]:
    """The names the generated code takes: path and query parameters and body fields."""
    module = importlib.import_module(f"{portfolio.__name__}.{name}")
    names = set(inspect.signature(module._get_kwargs).parameters) - {"body"}
    hints = typing.get_type_hints(module._get_kwargs)
    if "body" in hints:
        body = next(m for m in typing.get_args(hints["body"]) or (hints["body"],) if attrs.has(m))
        names |= {f.name for f in attrs.fields(body)} - {"additional_properties"}
    return names


@pytest.fixture(scope="module")
def client() -> typing.Iterator[Client]:
    """A client whose calls are never sent (these tests only look at its methods)."""
    made = Client(
        auth=FakeTime().auth(),
        config=KalshiConfig(base_url=BASE_URL, max_retries=0),
        transport=httpx.MockTransport(lambda request: httpx.Response(500)),
    )
    with made:
        yield made


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_operation_shows_its_keyword_only_parameters(client: Client, name: str) -> None:
    for method in (getattr(client, name), getattr(Client, name), getattr(AsyncClient, name)):
        signature = inspect.signature(method)
        kinds = {p.kind for p in signature.parameters.values()}
        assert kinds <= {inspect.Parameter.KEYWORD_ONLY}, signature
        assert set(signature.parameters) == spec_parameters(name) | LIBRARY_PARAMETERS.get(
            name, set()
        )
        assert signature.return_annotation is not inspect.Signature.empty
        doc = method.__doc__
        assert doc and "Returns:" in doc and "Raises:" in doc
        for parameter in signature.parameters:
            assert f"{parameter} (" in doc


def test_signatures_show_types_defaults_and_return_models(client: Client) -> None:
    create = inspect.signature(client.create_order)
    assert create.return_annotation is CreateOrderV2Response
    assert create.parameters["side"].annotation == typing.Literal["ask", "bid"]
    assert create.parameters["price"].annotation == Decimal | str | int
    assert create.parameters["price"].default is inspect.Parameter.empty
    assert create.parameters["time_in_force"].default == DEFAULT_TIME_IN_FORCE
    assert create.parameters["tick_size"].default == DEFAULT_TICK
    assert create.parameters["retry"].default is True
    orders = inspect.signature(client.get_orders)
    assert orders.return_annotation is GetOrdersResponse
    assert orders.parameters["limit"].default == 100  # the spec's default
    # a string query parameter also takes strings, sent comma-joined
    assert orders.parameters["ticker"].annotation == str | TextList | None
    assert inspect.signature(client.get_order).parameters["order_id"].annotation is str


@pytest.mark.parametrize("list_name", sorted(PAGED))
def test_every_iterator_shows_its_filters_and_paging(client: Client, list_name: str) -> None:
    sync = inspect.signature(getattr(client, f"iter_{list_name}"))
    filters = spec_parameters(PAGED[list_name].operation) - {"cursor", "limit"}
    assert set(sync.parameters) == filters | {"page_size", "start_cursor", "max_items"}
    assert {p.kind for p in sync.parameters.values()} == {inspect.Parameter.KEYWORD_ONLY}
    assert typing.get_origin(sync.return_annotation) is SyncPager
    asynchronous = inspect.signature(getattr(AsyncClient, f"iter_{list_name}").__get__(_Async()))
    assert typing.get_origin(asynchronous.return_annotation) is AsyncPager


class _Async:
    """Enough of an AsyncClient for binding (nothing is called)."""

    _asynchronous = True


def test_help_shows_the_real_parameters(client: Client) -> None:
    for method in (client.create_order, Client.create_order, client.iter_fills):
        text = pydoc.plain(pydoc.render_doc(method))
        name = method.__name__
        assert f"{name}(*, " in text
        assert "ticker: str" in text and "Returns:" in text
    assert "price: decimal.Decimal | str | int" in pydoc.plain(
        pydoc.render_doc(client.create_order)
    )
    assert inspect.signature(client.iter_fills).return_annotation == SyncPager[Fill]


def test_detailed_beside_every_method(client: Client) -> None:
    assert inspect.signature(client.get_balance.detailed) is not None
    for call in (client.get_order, client.get_order.detailed):
        with pytest.raises(ArgumentTypeError, match="keyword arguments only"):
            call("ord-1")  # type: ignore[call-arg]
    with pytest.raises(
        ArgumentTypeError,
        match=r"get_orders\(\) got unexpected argument\(s\) tikcer; it takes: ticker",
    ):
        client.get_orders(tikcer="x")  # type: ignore[call-arg]
    with pytest.raises(
        ArgumentTypeError, match=r"missing 1 required keyword-only argument: 'order_id'"
    ):
        client.get_order()  # type: ignore[call-arg]
    with pytest.raises(
        ArgumentTypeError,
        match=r"iter_fills\(\) takes keyword arguments only \(got 1 positional\): filters by name",
    ):
        client.iter_fills("KX")  # type: ignore[call-arg]


def test_check_generated_fails_on_a_stale_surface(tmp_path: Path) -> None:
    stale = tmp_path / "generated_methods.py"
    original = (ROOT / "kalshi_ext" / "generated_methods.py").read_text()
    stale.write_text(original.replace("limit: int = 100", "limit: int = 50", 1))
    command = [sys.executable, "scripts/regen.py", "--check", "--methods", str(stale),
               "openapi/kalshi-portfolio.yaml", "kalshi_generated"]  # fmt: skip
    # The generator's ruff post-hooks run from the venv's bin, as `make check-generated` has it.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"differs: {stale}" in result.stdout


def test_version_matches_the_distribution() -> None:
    from importlib.metadata import version

    import kalshi_ext
    from kalshi_ext.client import user_agent

    assert kalshi_ext.__version__ == version("kalshi-portfolio")
    assert user_agent().startswith(f"kalshi-portfolio/{kalshi_ext.__version__} ")
