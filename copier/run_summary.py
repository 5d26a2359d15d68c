"""What ``copier run`` says when it starts, for a trader reading a VPS console: where EAs connect
(addresses, ports, the TLS fingerprint to pin), the accounts and links it serves, and the API
keys that need attention. And the one sentence for a port another program already holds."""

from __future__ import annotations

import errno
import re
from datetime import UTC, datetime

from copier.app import CopierApp
from copier.app.accounts import connection_of
from copier.store import KeyStatus
from copier.terminals.registry import EA

KEY_WARNING_DAYS = 7  # a working key that ends sooner than this is pointed out at start
_DAY_MS = 86_400_000
_WSAEADDRINUSE = 10048  # Windows' "address already in use" (winsock error code)
_ADDRESS = re.compile(r"\('([^']*)', (\d+)")


def address_in_use(exc: OSError, host: str, port: int, option: str) -> str | None:
    """The sentence for a listener whose port is taken, or None for any other failure.
    asyncio names the address it could not bind in the message; ``host:port`` is the fallback."""
    if exc.errno not in (errno.EADDRINUSE, _WSAEADDRINUSE):
        return None
    found = _ADDRESS.search(str(exc))
    where = f"{found.group(1)}:{found.group(2)}" if found else f"{host}:{port}"
    return f"another copier is already listening on {where} — stop it or use {option}"


def startup_summary(app: CopierApp) -> list[str]:
    """The lines ``copier run`` prints once it listens (blocking: it reads the database)."""
    store = app.store
    lines = [f"TradeCopier running without a window; data folder {store.path.parent.resolve()}; "
             "Ctrl+C stops it"]
    bridge = app.bridge
    if bridge is not None:
        lines.append(f"listening on {bridge.config.host}:{bridge.port} "
                     f"(EAs on this machine connect to {bridge.url})")
        if bridge.remote_url is not None:
            lines.append(f"remote EAs: listening on {bridge.remote_url}")
            lines.append("TLS certificate SHA-256 (pin it in the EA): "
                         f"{bridge.tls_fingerprint or 'not given'}")
            lines.append("TLS certificate SHA-1 (the CertFingerprint input of MT5 EAs): "
                         f"{bridge.tls_fingerprint_sha1 or 'not given'}")
    accounts = store.load_accounts()
    lines.append(f"accounts: {len(accounts)}" + ("" if accounts else
                 " — add one with: copier accounts add --platform mt4 --login N --server S"))
    warnings: list[str] = []
    now = store.now_ms()
    for account in accounts:
        connection = connection_of(account)
        state = "enabled" if account.enabled else "disabled (not served)"
        lines.append(f"  {account.id}  {account.role.value}  {connection}  {state}")
        if connection == EA and account.enabled:
            warnings += _key_warnings(app, account.id, now)
    links = store.load_links()
    lines.append(f"links: {len(links)}" + ("" if links else
                 " — add one with: copier links add --master ID --slave ID"))
    for link in links:
        state = "enabled" if link.enabled else "disabled"
        lines.append(f"  #{link.id}  {link.master_id} → {link.slave_id}  {state}  "
                     f"{link.mode.value}")
    lines += [f"warning: {w}" for w in warnings]
    return lines


def _key_warnings(app: CopierApp, account_id: str, now_ms: int) -> list[str]:
    keys = app.store.list_api_keys(account_id)
    working = [k for k in keys if k.status(now_ms) is KeyStatus.VALID]
    if not working:
        return [f"{account_id} has no working API key, so its EA cannot connect — "
                f"copier keys create {account_id}"]
    last = max(k.expires_ms for k in working)
    if last - now_ms < KEY_WARNING_DAYS * _DAY_MS:
        ends = datetime.fromtimestamp(last / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
        return [f"the API key of {account_id} stops working at {ends} — "
                f"copier keys rotate {account_id}"]
    return []
