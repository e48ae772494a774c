#!/usr/bin/env python3
"""Derive openapi/kalshi-ws.yaml, the portfolio WebSocket messages of Kalshi's AsyncAPI document.

Usage: derive_asyncapi.py UPSTREAM.yaml OUT.yaml

The output is an OpenAPI 3.1 document with no paths, only `components.schemas`, so that
openapi-python-client (the generator of the REST models) turns every message into an attrs model.
What is kept from upstream are facts: field names, types, formats, required lists, enums, patterns,
minimums and nullability. Upstream prose is dropped; the short descriptions in MESSAGES below are
ours. The output is byte-identical for the same input.

Rules, the same as scripts/derive_spec.py applies to REST:
- what the server sends (data frames, replies, errors) gets open enums: the type stays, the known
  values move to `x-known-values`, so an unknown value parses instead of raising; what the client
  sends (commands) keeps strict enums;
- `type: [T, "null"]` stays: the generated field is `T | None`, never a parse failure on null;
- an object nested in a message (`msg`, `params`, list items) becomes a named component, and a
  `$ref` to a scalar (ids, tickers, sides) is inlined, so generated names are ours and stable.

`x-channels` lists, per portfolio channel, the `type` of its data frames, their schema and whether
they carry `seq`; `x-error-codes` maps each error code to its name.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any, NamedTuple

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from derive_spec import DerivationError, read_yaml, walk


class Message(NamedTuple):
    schema: str  # our component name for the whole frame
    description: str
    server_sends: bool  # replies and data frames get open enums; commands stay strict
    nested: dict[str, str]  # property of the frame -> our component name for its object


# Upstream `components.messages` name -> what we publish. An upstream portfolio message that
# disappears fails the derivation, so drift is noticed rather than silently dropped.
MESSAGES: dict[str, Message] = {
    "subscribeCommand": Message(
        "SubscribeCommand", "Subscribe to channels.", False, {"params": "SubscribeParams"}
    ),
    "unsubscribeCommand": Message(
        "UnsubscribeCommand", "Cancel subscriptions by sid.", False, {"params": "UnsubscribeParams"}
    ),
    "updateSubscriptionCommand": Message(
        "UpdateSubscriptionCommand",
        "Add or remove markets of one subscription.",
        False,
        {"params": "UpdateSubscriptionParams"},
    ),
    "listSubscriptionsCommand": Message(
        "ListSubscriptionsCommand", "List this connection's subscriptions.", False, {}
    ),
    "subscribedResponse": Message(
        "SubscribedResponse", "A subscription was created.", True, {"msg": "Subscription"}
    ),
    "unsubscribedResponse": Message(
        "UnsubscribedResponse", "A subscription was cancelled.", True, {}
    ),
    "okResponse": Message(
        "OkResponse",
        "A subscription was updated; msg lists its markets after the update.",
        True,
        {"msg": "OkResponseMsg"},
    ),
    "listSubscriptionsResponse": Message(
        "ListSubscriptionsResponse",
        "The connection's subscriptions (type ok, msg is a list).",
        True,
        {"msg": "Subscription"},
    ),
    "errorResponse": Message(
        "ErrorResponse",
        "A command failed, or a subscription broke (sid set).",
        True,
        {"msg": "ErrorResponseMsg"},
    ),
    "fill": Message("FillMessage", "A fill of one of the member's orders.", True, {"msg": "Fill"}),
    "userOrder": Message(
        "UserOrderMessage",
        "An order of the member was created or changed.",
        True,
        {"msg": "UserOrder"},
    ),
    "marketPosition": Message(
        "MarketPositionMessage",
        "The member's position in one market changed.",
        True,
        {"msg": "MarketPosition"},
    ),
    "orderGroupUpdates": Message(
        "OrderGroupUpdatesMessage",
        "An order group event (sequenced per sid).",
        True,
        {"msg": "OrderGroupUpdate"},
    ),
}

# The portfolio channels: upstream channel name -> upstream message name of its data frames.
CHANNELS: dict[str, str] = {
    "fill": "fill",
    "user_orders": "userOrder",
    "market_positions": "marketPosition",
    "order_group_updates": "orderGroupUpdates",
}

# Keys of JSON Schema kept beside the structure; everything else (prose, examples, deprecated
# markers, other tools' x-*) is dropped.
FACT_KEYS = frozenset(
    {
        "type", "format", "enum", "const", "required", "properties", "items", "minimum",
        "maximum", "minItems", "maxItems", "pattern", "default", "additionalProperties",
        "$ref", "oneOf", "anyOf", "allOf",
    }
)  # fmt: skip


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: derive_asyncapi.py UPSTREAM.yaml OUT.yaml", file=sys.stderr)
        return 2
    upstream_path, out_path = Path(argv[1]), Path(argv[2])
    try:
        text = render(derive(load_asyncapi(upstream_path)))
    except DerivationError as exc:
        print(f"derive_asyncapi: {upstream_path}: {exc}", file=sys.stderr)
        return 1
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    return 0


def load_asyncapi(path: Path) -> dict[str, Any]:
    document = read_yaml(path)
    if not isinstance(document, dict) or not str(document.get("asyncapi", "")).startswith("3."):
        raise DerivationError("not an AsyncAPI 3 document (no 'asyncapi: 3.x' field)")
    components = document.get("components")
    if not isinstance(components, dict) or not isinstance(components.get("messages"), dict):
        raise DerivationError("AsyncAPI document has no 'components.messages' object")
    if not isinstance(document.get("channels"), dict):
        raise DerivationError("AsyncAPI document has no 'channels' object")
    return document


class Deriver:
    def __init__(self, upstream: dict[str, Any]) -> None:
        self.upstream = upstream
        self.schemas: dict[str, Any] = {}

    def resolve(self, ref: str) -> Any:
        target: Any = self.upstream
        for part in ref.removeprefix("#/").split("/"):
            if not isinstance(target, dict) or part not in target:
                raise DerivationError(f"unresolvable $ref {ref}")
            target = target[part]
        return target

    def payload(self, message_name: str) -> dict[str, Any]:
        message = self.upstream["components"]["messages"].get(message_name)
        if not isinstance(message, dict):
            raise DerivationError(f"message {message_name!r} is missing from components.messages")
        payload = message.get("payload")
        while isinstance(payload, dict) and "$ref" in payload:
            payload = self.resolve(payload["$ref"])
        if not isinstance(payload, dict) or payload.get("type") != "object":
            raise DerivationError(f"message {message_name!r} has no object payload")
        return payload

    def schema(self, node: Any, *, open_enums: bool) -> Any:
        """A copy of node with facts only, scalar $refs inlined, enums opened if asked."""
        if not isinstance(node, dict):
            return copy.deepcopy(node)
        if "$ref" in node:
            # Siblings of a $ref upstream are prose (description, deprecated): the target wins.
            return self.schema(self.resolve(node["$ref"]), open_enums=open_enums)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key not in FACT_KEYS:
                continue
            if key == "properties":
                out[key] = {
                    name: self.schema(sub, open_enums=open_enums) for name, sub in value.items()
                }
            elif key == "items":
                out[key] = self.schema(value, open_enums=open_enums)
            elif key in ("oneOf", "anyOf", "allOf"):
                out[key] = [self.schema(sub, open_enums=open_enums) for sub in value]
            else:
                out[key] = copy.deepcopy(value)
        if open_enums and "enum" in out:
            out["x-known-values"] = out.pop("enum")
        if open_enums and out.get("format") == "uuid":
            # Ids stay strings, as REST's do: a WS trade_id is compared with a REST fill_id.
            out["x-format"] = out.pop("format")
        return out

    def add(self, name: str, schema: dict[str, Any], description: str) -> None:
        if name in self.schemas:
            known = {k: v for k, v in self.schemas[name].items() if k != "description"}
            if known != schema:
                raise DerivationError(f"two different shapes would both be named {name}")
            return  # one shape shared by two messages: the first description stays
        self.schemas[name] = {"description": description, **schema}

    def hoist(self, frame: dict[str, Any], prop: str, name: str, owner: str) -> None:
        """Move the object at frame.properties[prop] (or its items) into component `name`."""
        node = frame.get("properties", {}).get(prop)
        if not isinstance(node, dict):
            raise DerivationError(f"{owner}: no property {prop!r} to name {name}")
        ref = {"$ref": f"#/components/schemas/{name}"}
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            target, node["items"] = node["items"], ref
        else:
            target = node
            frame["properties"][prop] = ref
        if target.get("type") != "object":
            raise DerivationError(f"{owner}: property {prop!r} is not an object")
        self.add(name, target, f"The {prop} of {owner}.")


def derive(upstream: dict[str, Any]) -> dict[str, Any]:
    deriver = Deriver(upstream)
    for upstream_name, message in MESSAGES.items():
        frame = deriver.schema(deriver.payload(upstream_name), open_enums=message.server_sends)
        for prop, nested in message.nested.items():
            deriver.hoist(frame, prop, nested, message.schema)
        deriver.add(message.schema, frame, message.description)

    channels: dict[str, Any] = {}
    for channel, message_name in CHANNELS.items():
        if channel not in upstream["channels"]:
            raise DerivationError(f"channel {channel!r} is missing")
        frame = deriver.schema(deriver.payload(message_name), open_enums=True)
        channels[channel] = {
            "message_type": frame["properties"]["type"]["const"],
            "schema": MESSAGES[message_name].schema,
            "sequenced": "seq" in frame.get("required", []),
        }
    check_no_upstream_refs(deriver.schemas)

    error = deriver.payload("errorResponse")["properties"]["msg"]["properties"]["code"]
    names = {
        int(entry["code"]): str(entry["name"])
        for entry in upstream.get("x-error-codes", {}).get("codes", [])
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kalshi WebSocket API: portfolio channels",
            "version": str(upstream.get("info", {}).get("version", "unknown")),
            "description": "Derived by scripts/derive_asyncapi.py from Kalshi's published AsyncAPI "
            "document; regenerate rather than edit.",
        },
        "servers": [
            {"url": f"{server.get('protocol', 'wss')}://{server['host']}{server['pathname']}"}
            for server in upstream.get("servers", {}).values()
            if isinstance(server, dict) and "host" in server and "pathname" in server
        ],
        "paths": {},
        "x-channels": channels,
        "x-error-codes": {code: names.get(code, "") for code in error.get("enum", [])},
        "components": {"schemas": dict(sorted(deriver.schemas.items()))},
    }


def check_no_upstream_refs(schemas: dict[str, Any]) -> None:
    for name, schema in schemas.items():
        for node in walk(schema):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.removeprefix("#/components/schemas/") not in schemas:
                raise DerivationError(f"{name}: $ref {ref} is not a derived component")


def render(spec: dict[str, Any]) -> str:
    header = (
        "# Generated by scripts/derive_asyncapi.py from Kalshi's AsyncAPI document. Do not edit.\n"
    )
    return header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
