"""Cycles: programmes of sessions for one cohort, enrolment, one identity across them."""
