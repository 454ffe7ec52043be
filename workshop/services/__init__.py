"""The domain: every rule, check and transaction of Semis lives in these modules.

Services are the only code that changes state. Each public function is one user
intent; it checks rights and phase, writes, records the events of the change and
commits. The events are broadcast after the commit (see :mod:`.event_log`).
"""
