"""Shadow-AI discovery: the AI service catalogue and proxy, DNS and SSO logs."""

__all__: list[str] = []
