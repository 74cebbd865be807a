"""adoption: how an organisation's AI tools are really being adopted, team by team."""

from importlib.metadata import PackageNotFoundError, version

from adoption.config import Settings
from adoption.errors import AdoptionError, InputError, WorkspaceError
from adoption.workspace import Workspace, init_workspace, open_workspace

try:
    __version__ = version("adoption")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "AdoptionError",
    "InputError",
    "Settings",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "init_workspace",
    "open_workspace",
]
