"""Contains all the data models used in inputs/outputs

Each model is imported when first used (PEP 562): importing one model, or this package, does not
import all of them (kalshi-portfolio's custom template: `import kalshi_ext` stays fast).
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .amend_order_v2_request import AmendOrderV2Request
    from .amend_order_v2_response import AmendOrderV2Response
    from .apply_subaccount_transfer_request import ApplySubaccountTransferRequest
    from .apply_subaccount_transfer_response import ApplySubaccountTransferResponse
    from .batch_cancel_orders_v2_request import BatchCancelOrdersV2Request
    from .batch_cancel_orders_v2_request_orders_item import (
        BatchCancelOrdersV2RequestOrdersItem,
    )
    from .batch_cancel_orders_v2_response import BatchCancelOrdersV2Response
    from .batch_cancel_orders_v2_response_orders_item import (
        BatchCancelOrdersV2ResponseOrdersItem,
    )
    from .batch_create_orders_v2_request import BatchCreateOrdersV2Request
    from .batch_create_orders_v2_response import BatchCreateOrdersV2Response
    from .batch_create_orders_v2_response_orders_item import (
        BatchCreateOrdersV2ResponseOrdersItem,
    )
    from .book_side import BookSide
    from .cancel_order_v2_response import CancelOrderV2Response
    from .create_order_group_request import CreateOrderGroupRequest
    from .create_order_group_response import CreateOrderGroupResponse
    from .create_order_v2_request import CreateOrderV2Request
    from .create_order_v2_request_time_in_force import CreateOrderV2RequestTimeInForce
    from .create_order_v2_response import CreateOrderV2Response
    from .create_subaccount_request import CreateSubaccountRequest
    from .create_subaccount_response import CreateSubaccountResponse
    from .decrease_order_v2_request import DecreaseOrderV2Request
    from .decrease_order_v2_response import DecreaseOrderV2Response
    from .deposit import Deposit
    from .empty_response import EmptyResponse
    from .error_response import ErrorResponse
    from .event_position import EventPosition
    from .exchange_instance import ExchangeInstance
    from .fill import Fill
    from .get_balance_response import GetBalanceResponse
    from .get_deposits_response import GetDepositsResponse
    from .get_fills_response import GetFillsResponse
    from .get_intra_exchange_instance_transfer_response import (
        GetIntraExchangeInstanceTransferResponse,
    )
    from .get_intra_exchange_instance_transfers_response import (
        GetIntraExchangeInstanceTransfersResponse,
    )
    from .get_order_group_response import GetOrderGroupResponse
    from .get_order_groups_response import GetOrderGroupsResponse
    from .get_order_queue_position_response import GetOrderQueuePositionResponse
    from .get_order_queue_positions_response import GetOrderQueuePositionsResponse
    from .get_order_response import GetOrderResponse
    from .get_orders_response import GetOrdersResponse
    from .get_portfolio_resting_order_total_value_response import (
        GetPortfolioRestingOrderTotalValueResponse,
    )
    from .get_positions_response import GetPositionsResponse
    from .get_settlements_response import GetSettlementsResponse
    from .get_subaccount_balances_response import GetSubaccountBalancesResponse
    from .get_subaccount_netting_response import GetSubaccountNettingResponse
    from .get_subaccount_transfers_response import GetSubaccountTransfersResponse
    from .get_target_balance_allocation_response import (
        GetTargetBalanceAllocationResponse,
    )
    from .get_withdrawals_response import GetWithdrawalsResponse
    from .indexed_balance import IndexedBalance
    from .intra_exchange_instance_transfer import IntraExchangeInstanceTransfer
    from .intra_exchange_instance_transfer_request import (
        IntraExchangeInstanceTransferRequest,
    )
    from .intra_exchange_instance_transfer_response import (
        IntraExchangeInstanceTransferResponse,
    )
    from .market_position import MarketPosition
    from .order import Order
    from .order_group import OrderGroup
    from .order_queue_position import OrderQueuePosition
    from .resting_margin_reservation import RestingMarginReservation
    from .self_trade_prevention_type import SelfTradePreventionType
    from .set_target_balance_allocation_request import SetTargetBalanceAllocationRequest
    from .settlement import Settlement
    from .subaccount_balance import SubaccountBalance
    from .subaccount_netting_config import SubaccountNettingConfig
    from .subaccount_transfer import SubaccountTransfer
    from .target_balance_allocation import TargetBalanceAllocation
    from .target_balance_allocation_input import TargetBalanceAllocationInput
    from .update_order_group_limit_request import UpdateOrderGroupLimitRequest
    from .update_subaccount_netting_request import UpdateSubaccountNettingRequest
    from .withdrawal import Withdrawal

_MODULE_OF = {
    "AmendOrderV2Request": ".amend_order_v2_request",
    "AmendOrderV2Response": ".amend_order_v2_response",
    "ApplySubaccountTransferRequest": ".apply_subaccount_transfer_request",
    "ApplySubaccountTransferResponse": ".apply_subaccount_transfer_response",
    "BatchCancelOrdersV2Request": ".batch_cancel_orders_v2_request",
    "BatchCancelOrdersV2RequestOrdersItem": ".batch_cancel_orders_v2_request_orders_item",
    "BatchCancelOrdersV2Response": ".batch_cancel_orders_v2_response",
    "BatchCancelOrdersV2ResponseOrdersItem": ".batch_cancel_orders_v2_response_orders_item",
    "BatchCreateOrdersV2Request": ".batch_create_orders_v2_request",
    "BatchCreateOrdersV2Response": ".batch_create_orders_v2_response",
    "BatchCreateOrdersV2ResponseOrdersItem": ".batch_create_orders_v2_response_orders_item",
    "BookSide": ".book_side",
    "CancelOrderV2Response": ".cancel_order_v2_response",
    "CreateOrderGroupRequest": ".create_order_group_request",
    "CreateOrderGroupResponse": ".create_order_group_response",
    "CreateOrderV2Request": ".create_order_v2_request",
    "CreateOrderV2RequestTimeInForce": ".create_order_v2_request_time_in_force",
    "CreateOrderV2Response": ".create_order_v2_response",
    "CreateSubaccountRequest": ".create_subaccount_request",
    "CreateSubaccountResponse": ".create_subaccount_response",
    "DecreaseOrderV2Request": ".decrease_order_v2_request",
    "DecreaseOrderV2Response": ".decrease_order_v2_response",
    "Deposit": ".deposit",
    "EmptyResponse": ".empty_response",
    "ErrorResponse": ".error_response",
    "EventPosition": ".event_position",
    "ExchangeInstance": ".exchange_instance",
    "Fill": ".fill",
    "GetBalanceResponse": ".get_balance_response",
    "GetDepositsResponse": ".get_deposits_response",
    "GetFillsResponse": ".get_fills_response",
    "GetIntraExchangeInstanceTransferResponse": ".get_intra_exchange_instance_transfer_response",
    "GetIntraExchangeInstanceTransfersResponse": ".get_intra_exchange_instance_transfers_response",
    "GetOrderGroupResponse": ".get_order_group_response",
    "GetOrderGroupsResponse": ".get_order_groups_response",
    "GetOrderQueuePositionResponse": ".get_order_queue_position_response",
    "GetOrderQueuePositionsResponse": ".get_order_queue_positions_response",
    "GetOrderResponse": ".get_order_response",
    "GetOrdersResponse": ".get_orders_response",
    "GetPortfolioRestingOrderTotalValueResponse": ".get_portfolio_resting_order_total_value_response",
    "GetPositionsResponse": ".get_positions_response",
    "GetSettlementsResponse": ".get_settlements_response",
    "GetSubaccountBalancesResponse": ".get_subaccount_balances_response",
    "GetSubaccountNettingResponse": ".get_subaccount_netting_response",
    "GetSubaccountTransfersResponse": ".get_subaccount_transfers_response",
    "GetTargetBalanceAllocationResponse": ".get_target_balance_allocation_response",
    "GetWithdrawalsResponse": ".get_withdrawals_response",
    "IndexedBalance": ".indexed_balance",
    "IntraExchangeInstanceTransfer": ".intra_exchange_instance_transfer",
    "IntraExchangeInstanceTransferRequest": ".intra_exchange_instance_transfer_request",
    "IntraExchangeInstanceTransferResponse": ".intra_exchange_instance_transfer_response",
    "MarketPosition": ".market_position",
    "Order": ".order",
    "OrderGroup": ".order_group",
    "OrderQueuePosition": ".order_queue_position",
    "RestingMarginReservation": ".resting_margin_reservation",
    "SelfTradePreventionType": ".self_trade_prevention_type",
    "SetTargetBalanceAllocationRequest": ".set_target_balance_allocation_request",
    "Settlement": ".settlement",
    "SubaccountBalance": ".subaccount_balance",
    "SubaccountNettingConfig": ".subaccount_netting_config",
    "SubaccountTransfer": ".subaccount_transfer",
    "TargetBalanceAllocation": ".target_balance_allocation",
    "TargetBalanceAllocationInput": ".target_balance_allocation_input",
    "UpdateOrderGroupLimitRequest": ".update_order_group_limit_request",
    "UpdateSubaccountNettingRequest": ".update_subaccount_netting_request",
    "Withdrawal": ".withdrawal",
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
    "AmendOrderV2Request",
    "AmendOrderV2Response",
    "ApplySubaccountTransferRequest",
    "ApplySubaccountTransferResponse",
    "BatchCancelOrdersV2Request",
    "BatchCancelOrdersV2RequestOrdersItem",
    "BatchCancelOrdersV2Response",
    "BatchCancelOrdersV2ResponseOrdersItem",
    "BatchCreateOrdersV2Request",
    "BatchCreateOrdersV2Response",
    "BatchCreateOrdersV2ResponseOrdersItem",
    "BookSide",
    "CancelOrderV2Response",
    "CreateOrderGroupRequest",
    "CreateOrderGroupResponse",
    "CreateOrderV2Request",
    "CreateOrderV2RequestTimeInForce",
    "CreateOrderV2Response",
    "CreateSubaccountRequest",
    "CreateSubaccountResponse",
    "DecreaseOrderV2Request",
    "DecreaseOrderV2Response",
    "Deposit",
    "EmptyResponse",
    "ErrorResponse",
    "EventPosition",
    "ExchangeInstance",
    "Fill",
    "GetBalanceResponse",
    "GetDepositsResponse",
    "GetFillsResponse",
    "GetIntraExchangeInstanceTransferResponse",
    "GetIntraExchangeInstanceTransfersResponse",
    "GetOrderGroupResponse",
    "GetOrderGroupsResponse",
    "GetOrderQueuePositionResponse",
    "GetOrderQueuePositionsResponse",
    "GetOrderResponse",
    "GetOrdersResponse",
    "GetPortfolioRestingOrderTotalValueResponse",
    "GetPositionsResponse",
    "GetSettlementsResponse",
    "GetSubaccountBalancesResponse",
    "GetSubaccountNettingResponse",
    "GetSubaccountTransfersResponse",
    "GetTargetBalanceAllocationResponse",
    "GetWithdrawalsResponse",
    "IndexedBalance",
    "IntraExchangeInstanceTransfer",
    "IntraExchangeInstanceTransferRequest",
    "IntraExchangeInstanceTransferResponse",
    "MarketPosition",
    "Order",
    "OrderGroup",
    "OrderQueuePosition",
    "RestingMarginReservation",
    "SelfTradePreventionType",
    "SetTargetBalanceAllocationRequest",
    "Settlement",
    "SubaccountBalance",
    "SubaccountNettingConfig",
    "SubaccountTransfer",
    "TargetBalanceAllocation",
    "TargetBalanceAllocationInput",
    "UpdateOrderGroupLimitRequest",
    "UpdateSubaccountNettingRequest",
    "Withdrawal",
)
