"""A PostgreSQL backend that runs its own server from ``var/pgdata`` (via ``pgserver``).

Used when ``DATABASE_URL`` is unset, so that a new user needs no database server. The server is
started by the first connection a process makes and left running for the processes after it.
"""
