"""Any section no other kind claims: plain indicators."""
from .common import IndicatorsReply

Reply = IndicatorsReply
