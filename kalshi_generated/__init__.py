"""A client library for accessing Kalshi Trade API: /portfolio subset"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
