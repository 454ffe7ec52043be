"""The call for holders: applications, volunteers of the sessions as candidates, their
status and the choice.
"""
