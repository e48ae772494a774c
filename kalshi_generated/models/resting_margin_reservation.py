from enum import StrEnum


class RestingMarginReservation(StrEnum):
    MAX = "max"
    NONE = "none"
    SUM = "sum"

    def __str__(self) -> str:
        return str(self.value)
