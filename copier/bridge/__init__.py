"""The EA bridge: WebSocket server, protocol v1 and the EA-session terminal adapter."""

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
from copier.bridge.terminal import EaTerminal, TerminalUnavailable

__all__ = [
    "PATH",
    "PROTOCOL_VERSION",
    "AuthRefusal",
    "BridgeConfig",
    "BridgeConfigError",
    "BridgeServer",
    "CloseCode",
    "EaTerminal",
    "KeyVerifier",
    "MemoryKeyVerifier",
    "MsgType",
    "Role",
    "SessionInfo",
    "StoreKeyVerifier",
    "TerminalUnavailable",
    "account_id_for",
]
