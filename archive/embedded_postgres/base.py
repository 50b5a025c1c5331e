from __future__ import annotations

import threading
import warnings
from pathlib import Path

from django.db.backends.postgresql import base as postgresql

_lock = threading.Lock()
_servers: dict[Path, tuple[str, int]] = {}


def ensure_server(pgdata: Path, database: str) -> tuple[str, int]:
    """Start (or find) the server for ``pgdata``, make sure ``database`` exists; return its socket dir and port."""
    with _lock:
        if pgdata in _servers:
            return _servers[pgdata]
        import psycopg2

        with warnings.catch_warnings():
            # pgserver keeps its lock file in the runtime dir; without XDG_RUNTIME_DIR, /tmp is right.
            warnings.simplefilter("ignore")
            import pgserver  # imported late: only processes that really connect pay for it

        pgdata.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: the server outlives this process and serves the next one.
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        socket_dir, port = str(info.socket_dir), int(info.port)
        conn = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir, port=port)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{database}"')
        finally:
            conn.close()
        _servers[pgdata] = (socket_dir, port)
        return socket_dir, port


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        pgdata = Path(self.settings_dict["PGDATA"])
        params["host"], params["port"] = ensure_server(pgdata, self.settings_dict["SERVER_DATABASE"])
        params.setdefault("user", "postgres")
        return params
