"""Culture and society: education, health, labour, social welfare, culture and tourism."""
from .common import IndicatorsReply

Reply = IndicatorsReply
