"""The main window's screens: dashboard, statistics, accounts, links, trade log, logs, settings."""
