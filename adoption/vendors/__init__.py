"""Vendor exports (GitHub Copilot, Microsoft 365 Copilot, Viva Insights, ChatGPT Enterprise, directories) and identity resolution."""

__all__: list[str] = []
