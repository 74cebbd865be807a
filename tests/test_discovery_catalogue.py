"""Tests of the AI service catalogue and host matching (adoption.discovery.catalogue)."""

from __future__ import annotations

import pytest

import adoption
from adoption.discovery.catalogue import (
    CATEGORIES,
    ServiceMatcher,
    load_catalogue,
    normalise_host,
)
from adoption.errors import InputError


@pytest.fixture(scope="module")
def matcher() -> ServiceMatcher:
    return ServiceMatcher(load_catalogue())


def test_shipped_catalogue_is_complete():
    cat = load_catalogue()
    assert len(cat) >= 40  # the brief asks for about 40 common services
    assert cat["service"].is_unique
    assert set(cat["category"]) <= set(CATEGORIES)
    for name in ("ChatGPT", "Claude", "Gemini", "Microsoft Copilot", "GitHub Copilot",
                 "Perplexity", "DeepSeek", "Midjourney", "Cursor", "Otter.ai", "DeepL Write"):
        assert name in set(cat["service"])
    domains = [d for ds in cat["domains"] for d in ds]
    assert len(domains) == len(set(domains)), "a domain belongs to one service only"


@pytest.mark.parametrize(("value", "host"), [
    ("chatgpt.com:443", "chatgpt.com"),
    ("HTTPS://User@API.OpenAI.com.:443/v1/chat?q=1", "api.openai.com"),
    ("http://claude.ai/new#x", "claude.ai"),
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("gemini.google.com.", "gemini.google.com"),
    ("-", None),
    ("", None),
    ("error:transaction-end-before-headers", None),
])
def test_normalise_host(value, host):
    assert normalise_host(value) == host


@pytest.mark.parametrize(("host", "service"), [
    ("chatgpt.com", "ChatGPT"),
    ("CHAT.OpenAI.com", "ChatGPT"),           # case-insensitive
    ("ab.chatgpt.com:443", "ChatGPT"),        # subdomain, port stripped
    ("api.openai.com", "OpenAI API"),         # the more specific domain wins over openai.com
    ("foo.api.openai.com", "OpenAI API"),
    ("labs.openai.com", "DALL-E"),
    ("cdn.openai.com", "ChatGPT"),            # falls back to openai.com
    ("https://claude.ai/chat/1", "Claude"),
    ("claude.ai.", "Claude"),                 # trailing dot
    ("gemini.google.com", "Gemini"),
    ("copilot-proxy.githubusercontent.com", "GitHub Copilot"),
    ("notopenai.com", None),                  # not a subdomain: a different domain
    ("openai.com.evil.example", None),
    ("google.com", None),                     # gemini.google.com does not make google.com AI
    ("raw.githubusercontent.com", None),
    ("claude.ai.example.org", None),
    ("10.1.2.3", None),
])
def test_host_matching(matcher, host, service):
    assert matcher.match(host) == service


@pytest.mark.parametrize(("app", "service"), [
    ("ChatGPT", "ChatGPT"), ("chatgpt connector", "ChatGPT"), ("Otter.ai", "Otter.ai"),
    ("https://claude.ai/oauth", "Claude"), ("Zoom", None), ("ChatGPTX", None),
])
def test_app_matching(matcher, app, service):
    assert matcher.match_app(app) == service


def _with_discovery(ws: adoption.Workspace, toml: str) -> adoption.Workspace:
    """The workspace with its settings plus ``toml`` (replacing earlier additions)."""
    ws.config_path.write_text(ws.settings.to_toml() + toml, encoding="utf-8")
    return adoption.open_workspace(ws.root)


def test_workspace_extensions(workspace):
    (workspace.root / "services.csv").write_text(
        "service,vendor,category,domains,tools\n"
        "Acme GPT,Acme,chat assistant,gpt.acme.example,Acme GPT\n"
        "Claude,Anthropic,chat assistant,claude.ai;claude.com,\n", encoding="utf-8")
    ws = _with_discovery(workspace, """
[discovery]
extra_services_file = "services.csv"
[[discovery.services]]
service = "Inline AI"
vendor = "Inline"
category = "writing assistant"
domains = ["inline.example"]
[discovery.tools]
"ChatGPT" = ["Our ChatGPT"]
""")
    cat = load_catalogue(ws).set_index("service")
    m = ServiceMatcher(cat.reset_index())
    assert m.match("x.gpt.acme.example") == "Acme GPT"
    assert m.match("inline.example") == "Inline AI"
    assert m.match("claude.com") == "Claude"  # the workspace row replaced the shipped one
    assert "Our ChatGPT" in cat.loc["ChatGPT", "tools"]
    assert "ChatGPT Enterprise" in cat.loc["ChatGPT", "tools"]


def test_bad_workspace_catalogue_is_explained(workspace):
    ws = _with_discovery(workspace, '[discovery]\nextra_services_file = "missing.csv"\n')
    with pytest.raises(InputError, match="missing.csv"):
        load_catalogue(ws)
    ws = _with_discovery(workspace, "[[discovery.services]]\nservice = \"X\"\ndomains = []\n")
    with pytest.raises(InputError, match="'X'"):
        load_catalogue(ws)


def test_unknown_discovery_key(workspace):
    ws = _with_discovery(workspace, "[discovery]\nextra_file = 1\n")
    with pytest.raises(InputError, match="extra_file"):
        load_catalogue(ws)
