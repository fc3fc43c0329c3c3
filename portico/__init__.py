"""Portico's composition root: the ``portico`` CLI and the process wiring of core, workers and gateway."""

__all__: list[str] = []
