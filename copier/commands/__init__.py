"""The command line's groups of sub-commands (``copier accounts``, ``links``, ``config``,
``stats``), one module each: each adds its parser and runs its commands through the shared
use cases of the application layer (``copier.app``), never through the store's tables."""
