"""Economic sectors: agriculture, border trade, industry, trade, investment, enterprises."""
from .common import IndicatorsReply

DESCRIPTION = "Indicators of an economic sector with their plan shares, changes and parts."

Reply = IndicatorsReply
