"""Any section no other kind claims: plain indicators."""
from .common import IndicatorsReply

DESCRIPTION = "Indicators with their comparisons."

Reply = IndicatorsReply
