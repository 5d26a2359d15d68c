"""Fault suite: the copier killed, restarted and cut off while it copies, checked on the slaves."""
