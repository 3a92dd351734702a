"""Routing ([routing] in the team file): each new MQL offered to one rep, in turn, in the intake transaction."""
