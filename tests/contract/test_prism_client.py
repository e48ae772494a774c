"""Every operation through kalshi_ext.Client and AsyncClient against Prism's mock: real signatures,
our request building, our parsing; Prism must report no violation on any exchange."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kalshi_ext import AsyncClient, Client, KalshiConfig
from tests.contract.prism import PrismServer, assert_no_violations
from tests.contract.test_prism_mock import CASES, REALISTIC_VALUES, declared_parameters
from tests.fakes import PRIVATE_PEM
from tests.spec_payloads import example_payload, ref_target, spec, success_schema


def client_arguments(op: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments as a user passes them: parameters and body fields by name."""
    arguments: dict[str, Any] = {}
    for parameter in declared_parameters(op):
        if parameter["name"] in ("limit", "cursor") or parameter.get("required"):
            arguments[parameter["name"]] = REALISTIC_VALUES.get(
                parameter["name"], example_payload(parameter["schema"])
            )
    if "requestBody" in op:
        arguments.update(
            example_payload(op["requestBody"]["content"]["application/json"]["schema"])
        )
    if op["operationId"] == "decrease_order":
        arguments.pop("reduce_to", None)
    return arguments


class Recorder:
    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        self.responses.append(response)


@pytest.fixture(scope="module")
def recorded_client(prism_mock: PrismServer) -> Iterator[tuple[Client, Recorder]]:
    recorder = Recorder()
    with Client(
        key_id="contract-key",
        private_key=PRIVATE_PEM,
        config=KalshiConfig(base_url=prism_mock.base_url, max_retries=0),
    ) as client:
        client.http.event_hooks["response"].append(recorder)
        yield client, recorder


@pytest.mark.parametrize(
    ("method", "path", "op"), CASES, ids=[op["operationId"] for _, _, op in CASES]
)
def test_client_call_passes_prism(
    recorded_client: tuple[Client, Recorder], method: str, path: str, op: dict[str, Any]
) -> None:
    client, recorder = recorded_client
    before = len(recorder.responses)
    name = op["operationId"]
    arguments = client_arguments(op)
    if name == "batch_create_orders":
        # The static mock answers with its example's orders: send those, so the ids match.
        example = spec()["components"]["schemas"]["BatchCreateOrdersV2Request"]["example"]
        result = client.batch_create_orders(orders=example["orders"])
    else:
        result = getattr(client, name)(**arguments)
    exchanges = recorder.responses[before:]
    assert exchanges, name
    for response in exchanges:
        assert_no_violations(response, f"{method.upper()} {path} via Client.{name}")
    _, schema = success_schema(op)
    expected = ref_target(schema) if schema else None
    assert (type(result).__name__ if result is not None else None) == expected


async def test_async_client_calls_pass_prism(prism_mock: PrismServer) -> None:
    """AsyncClient's own calls go straight over aiohttp (not through client.http), so the
    responses to check are the ones its results carry."""
    async with AsyncClient(
        key_id="contract-key",
        private_key=PRIVATE_PEM,
        config=KalshiConfig(base_url=prism_mock.base_url),
    ) as client:
        balance = await client.get_balance.detailed()
        # The static mock answers every page with the same cursor: read one page only.
        pages = client.iter_orders(page_size=5).pages()
        first_page = await anext(pages)
        await pages.aclose()
        created = await client.create_order.detailed(
            ticker="KXHIGHNY-26NOV22-T58", side="bid", count=1, price="0.42"
        )
        amended = await client.amend_order.detailed(
            order_id="o-1", ticker="KXHIGHNY-26NOV22-T58", side="bid", price="0.43", count=1
        )
        # and the generated functions, through client.http on the same pool
        from kalshi_generated.api.portfolio import get_fills

        fills = await get_fills.asyncio_detailed(client=client.generated, limit=5)
    assert balance.parsed.balance_dollars and created.parsed.order_id
    assert fills.status_code == 200
    for detailed in (balance, first_page.detailed, created, amended):
        assert detailed.response is not None
        assert_no_violations(detailed.response, "AsyncClient")
    assert_no_violations(fills, "generated get_fills over AsyncClient.generated")
