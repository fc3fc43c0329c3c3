"""Protocol adapters on the core's gRPC client: ``rest`` (Agent Protocol); ``_runs`` is their shared run helper."""

__all__: list[str] = []
