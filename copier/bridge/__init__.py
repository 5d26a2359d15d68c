"""The EA bridge: the WebSocket server our Expert Advisors connect to, protocol v1, keys and TLS.

The Terminal adapter over its sessions is ``copier.terminals.ea``."""

from copier.bridge.auth import (
    AuthRefusal,
    KeyVerifier,
    MemoryKeyVerifier,
    StoreKeyVerifier,
    account_id_for,
)
from copier.bridge.config import BridgeConfig, BridgeConfigError
from copier.bridge.protocol import PATH, PROTOCOL_VERSION, CloseCode, MsgType, Role
from copier.bridge.server import BridgeServer
from copier.bridge.session import SessionInfo

__all__ = [
    "PATH",
    "PROTOCOL_VERSION",
    "AuthRefusal",
    "BridgeConfig",
    "BridgeConfigError",
    "BridgeServer",
    "CloseCode",
    "KeyVerifier",
    "MemoryKeyVerifier",
    "MsgType",
    "Role",
    "SessionInfo",
    "StoreKeyVerifier",
    "account_id_for",
]
