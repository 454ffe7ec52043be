"""Committees of a Fabrique: members invited by link, meetings, agenda, grades on a grid,
decisions.
"""
