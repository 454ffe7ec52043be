"""Majority judgment (jugement majoritaire): grades on a scale, the majority grade of each
option and the standard tie-break.
"""
