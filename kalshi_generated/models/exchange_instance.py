from enum import StrEnum


class ExchangeInstance(StrEnum):
    EVENT_CONTRACT = "event_contract"
    MARGINED = "margined"

    def __str__(self) -> str:
        return str(self.value)
