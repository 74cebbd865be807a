"""A seeded synthetic organisation whose input files show what ``adoption`` can do.

:func:`write_demo_files` writes roster snapshots, the tool catalogue, seats and usage events;
:data:`DEMO_STORY` names the teams that adopt fast, stall, fade, or are too small to show.
"""

from adoption.demo.build import build_demo
from adoption.demo.generate import write_demo_files
from adoption.demo.story import DEMO_STORY, DemoStory, demo_story

__all__ = ["DEMO_STORY", "DemoStory", "build_demo", "demo_story", "write_demo_files"]
