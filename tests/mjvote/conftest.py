"""The socket tests' populated room (two phones, a facilitator and a screen in workshop
A, a phone, a facilitator and a screen in workshop B), shared with tests/realtime."""

from tests.realtime.conftest import world, world_settings

__all__ = ["world", "world_settings"]
