"""Contains all the data models used in inputs/outputs"""

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
