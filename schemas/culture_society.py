"""Culture and society: education, health, labour, social welfare, culture and tourism."""
from .common import IndicatorsReply

DESCRIPTION = "Social indicators (patients, vaccinated children, workers, aid) with comparisons."

Reply = IndicatorsReply
