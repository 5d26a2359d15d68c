"""The EA adapter: the Terminal interface over an account's Monitor and Executor sessions, which
the bridge (``copier.bridge``, the WebSocket server) accepts and authenticates."""
