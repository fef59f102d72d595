"""Who may see what: users and roles from secrets, password hashes, lockout, team scope.

Pure Python (no Streamlit, no database): the app's glue is app_state/auth.py, the audit log
that lockout reads is warehouse/audit.py, the command that writes users is
``python -m warehouse user add``.
"""
