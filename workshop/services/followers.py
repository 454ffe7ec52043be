"""People kept informed of a project: who follows what, and the emails queued when it changes."""
