"""The error the local exchange answers with: an HTTP status and Kalshi's flat error envelope."""

from __future__ import annotations

from typing import Any


class ExchangeError(Exception):
    """A rejected request: HTTP `status` plus the spec's `ErrorResponse` fields.

    Codes used by the local exchange (the upstream spec documents none, so these are its own):
    `missing_parameters`, `invalid_parameters`, `insufficient_balance`, `market_not_found`,
    `market_closed`, `post_only_cross`, `order_group_triggered`, `order_not_resting` (400);
    `unauthorized` (401); `margined_not_enabled` (403); `not_found` (404);
    `method_not_allowed` (405); `order_already_exists` (409); `internal_server_error` (500).
    """

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def envelope(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


def invalid(message: str) -> ExchangeError:
    return ExchangeError(400, "invalid_parameters", message)


def missing(field: str) -> ExchangeError:
    return ExchangeError(400, "missing_parameters", f"missing required field {field!r}")


def not_found(what: str) -> ExchangeError:
    return ExchangeError(404, "not_found", f"{what} not found")
