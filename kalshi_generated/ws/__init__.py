"""Models of Kalshi's WebSocket portfolio messages (from openapi/kalshi-ws.yaml)."""
