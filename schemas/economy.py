"""Economic sectors: agriculture, border trade, industry, trade, investment, enterprises."""
from .common import IndicatorsReply

Reply = IndicatorsReply
