"""Contains all the data models used in inputs/outputs

Each model is imported when first used (PEP 562): importing one model, or this package, does not
import all of them (kalshi-portfolio's custom template: `import kalshi_ext` stays fast).
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .error_response import ErrorResponse
    from .error_response_msg import ErrorResponseMsg
    from .fill import Fill
    from .fill_message import FillMessage
    from .list_subscriptions_command import ListSubscriptionsCommand
    from .list_subscriptions_response import ListSubscriptionsResponse
    from .market_position import MarketPosition
    from .market_position_message import MarketPositionMessage
    from .ok_response import OkResponse
    from .ok_response_msg import OkResponseMsg
    from .order_group_update import OrderGroupUpdate
    from .order_group_updates_message import OrderGroupUpdatesMessage
    from .subscribe_command import SubscribeCommand
    from .subscribe_params import SubscribeParams
    from .subscribe_params_channels_item import SubscribeParamsChannelsItem
    from .subscribe_params_user_filter import SubscribeParamsUserFilter
    from .subscribed_response import SubscribedResponse
    from .subscription import Subscription
    from .unsubscribe_command import UnsubscribeCommand
    from .unsubscribe_params import UnsubscribeParams
    from .unsubscribed_response import UnsubscribedResponse
    from .update_subscription_command import UpdateSubscriptionCommand
    from .update_subscription_params import UpdateSubscriptionParams
    from .update_subscription_params_action import UpdateSubscriptionParamsAction
    from .user_order import UserOrder
    from .user_order_message import UserOrderMessage

_MODULE_OF = {
    "ErrorResponse": ".error_response",
    "ErrorResponseMsg": ".error_response_msg",
    "Fill": ".fill",
    "FillMessage": ".fill_message",
    "ListSubscriptionsCommand": ".list_subscriptions_command",
    "ListSubscriptionsResponse": ".list_subscriptions_response",
    "MarketPosition": ".market_position",
    "MarketPositionMessage": ".market_position_message",
    "OkResponse": ".ok_response",
    "OkResponseMsg": ".ok_response_msg",
    "OrderGroupUpdate": ".order_group_update",
    "OrderGroupUpdatesMessage": ".order_group_updates_message",
    "SubscribeCommand": ".subscribe_command",
    "SubscribeParams": ".subscribe_params",
    "SubscribeParamsChannelsItem": ".subscribe_params_channels_item",
    "SubscribeParamsUserFilter": ".subscribe_params_user_filter",
    "SubscribedResponse": ".subscribed_response",
    "Subscription": ".subscription",
    "UnsubscribeCommand": ".unsubscribe_command",
    "UnsubscribeParams": ".unsubscribe_params",
    "UnsubscribedResponse": ".unsubscribed_response",
    "UpdateSubscriptionCommand": ".update_subscription_command",
    "UpdateSubscriptionParams": ".update_subscription_params",
    "UpdateSubscriptionParamsAction": ".update_subscription_params_action",
    "UserOrder": ".user_order",
    "UserOrderMessage": ".user_order_message",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])


__all__ = (
    "ErrorResponse",
    "ErrorResponseMsg",
    "Fill",
    "FillMessage",
    "ListSubscriptionsCommand",
    "ListSubscriptionsResponse",
    "MarketPosition",
    "MarketPositionMessage",
    "OkResponse",
    "OkResponseMsg",
    "OrderGroupUpdate",
    "OrderGroupUpdatesMessage",
    "SubscribeCommand",
    "SubscribeParams",
    "SubscribeParamsChannelsItem",
    "SubscribeParamsUserFilter",
    "SubscribedResponse",
    "Subscription",
    "UnsubscribeCommand",
    "UnsubscribeParams",
    "UnsubscribedResponse",
    "UpdateSubscriptionCommand",
    "UpdateSubscriptionParams",
    "UpdateSubscriptionParamsAction",
    "UserOrder",
    "UserOrderMessage",
)
