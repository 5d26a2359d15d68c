"""The EAs as files: what ships in ``ea/`` and where each file goes (``sources``), finding
MetaTrader data folders (``folders``), installing into them (``install``), each platform's set-up
steps (``steps``) and the ``copier eas`` command (``command``). Qt-free; the Install EAs dialog
and the command line share it."""
