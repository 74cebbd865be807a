"""Survey instruments, survey exports as waves, and sentiment by team."""

__all__: list[str] = []
