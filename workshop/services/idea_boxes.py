"""Idea boxes (« Bourse à initiatives ») and needs relayed by partners: they enter the
portfolio as projects.
"""
