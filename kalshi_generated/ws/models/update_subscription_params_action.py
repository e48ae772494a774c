from enum import StrEnum


class UpdateSubscriptionParamsAction(StrEnum):
    ADD_MARKETS = "add_markets"
    DELETE_MARKETS = "delete_markets"
    GET_SNAPSHOT = "get_snapshot"

    def __str__(self) -> str:
        return str(self.value)
