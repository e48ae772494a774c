from enum import StrEnum


class SubscribeParamsUserFilter(StrEnum):
    SELF = "self"
    VALUE_0 = ""

    def __str__(self) -> str:
        return str(self.value)
