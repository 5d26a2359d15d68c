"""The desktop app: every Qt widget, the core→Qt bridge and the GUI start-up (PySide6 + qasync).

Nothing outside this package imports Qt. Widgets talk to the copier only through the
``CoreSession`` (actions, run on the core's loop or a worker thread) and the ``UiBridge``
(core events re-emitted as coalesced Qt signals).
"""
