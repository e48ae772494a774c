from enum import StrEnum


class SelfTradePreventionType(StrEnum):
    MAKER = "maker"
    TAKER_AT_CROSS = "taker_at_cross"

    def __str__(self) -> str:
        return str(self.value)
