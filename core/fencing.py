"""A checkpointer wrapper that refuses writes from a worker whose lease on the run is gone.

Every ``aput``/``aput_writes`` first asks storage whether the run's lease epoch is still the one this
worker claimed; a paused worker that wakes after another took the run over raises ``LeaseLost`` instead of
writing a checkpoint that would become the thread's latest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)

from core.errors import LeaseLost

__all__ = ["FencedCheckpointer"]


class FencedCheckpointer(BaseCheckpointSaver):
    """Delegates to ``inner``; writes pass only while ``lease_valid()`` says so."""

    def __init__(self, inner: BaseCheckpointSaver, lease_valid: Callable[[], Awaitable[bool]]) -> None:
        super().__init__(serde=inner.serde)
        self.inner = inner
        self._lease_valid = lease_valid

    async def _check(self) -> None:
        if not await self._lease_valid():
            raise LeaseLost("checkpoint write refused: the run's lease is held by another worker")

    @property
    def config_specs(self) -> list:
        return self.inner.config_specs

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self.inner.aget_tuple(config)

    async def alist(self, config: RunnableConfig | None, **kwargs: Any) -> AsyncIterator[CheckpointTuple]:
        async for item in self.inner.alist(config, **kwargs):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        await self._check()
        return await self.inner.aput(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        await self._check()
        await self.inner.aput_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await self.inner.adelete_thread(thread_id)

    async def aget_delta_channel_history(self, *, config: RunnableConfig, channels: Sequence[str]) -> Any:
        return await self.inner.aget_delta_channel_history(config=config, channels=channels)

    def get_next_version(self, current: Any, channel: None) -> Any:
        return self.inner.get_next_version(current, channel)

    def with_allowlist(self, extra_allowlist: Any) -> BaseCheckpointSaver:
        inner = self.inner.with_allowlist(extra_allowlist)
        return self if inner is self.inner else FencedCheckpointer(inner, self._lease_valid)
