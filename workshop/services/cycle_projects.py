"""Holders' projects across a cycle: pitch, note d'intention, logbook, next steps."""
