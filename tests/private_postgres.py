"""A PostgreSQL server of the tests' own, to stop and start under a running app, and a
line between app and server that can lose the server's answer to a COMMIT (issue 9).

The project's shared server (127.0.0.1:5432) must stay up for everyone else;
this throwaway cluster (TOOLCHAIN.md: initdb and pg_ctl as the postgres user,
a private port and socket folder) can be stopped in the middle of a test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path


class ClusterUnavailableError(Exception):
    """This machine cannot run a private cluster (not root, no PostgreSQL binaries)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateCluster:
    """One throwaway cluster, trusting connections from 127.0.0.1, database ``hv``."""

    def __init__(self, runuser: str, bindir: Path) -> None:
        self._runuser = runuser
        self._bindir = bindir
        # Not under pytest's tmp folders: those are private to root, and the
        # server runs as the postgres user.
        self.root = Path(tempfile.mkdtemp(prefix="hv-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.sockets.mkdir()
        shutil.chown(self.root, "postgres")
        shutil.chown(self.sockets, "postgres")
        self.port = free_port()

    @classmethod
    def create(cls, *initdb_options: str) -> PrivateCluster:
        """initdb and start a cluster (about half a second); ``ClusterUnavailableError`` if
        this machine cannot."""
        runuser, pg_config = shutil.which("runuser"), shutil.which("pg_config")
        if os.geteuid() != 0 or not runuser or not pg_config:
            raise ClusterUnavailableError(
                "needs root, runuser and pg_config (the project's machines have them)"
            )
        bindir = Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())
        cluster = cls(runuser, bindir)
        try:
            cluster._run(
                "initdb", "-D", str(cluster.data), "-U", "postgres", "--no-sync", *initdb_options
            )
            cluster.start()
        except (subprocess.CalledProcessError, OSError) as exc:
            cluster.destroy()
            raise ClusterUnavailableError(getattr(exc, "stderr", "") or str(exc)) from exc
        return cluster

    def _run(self, program: str, *arguments: str) -> None:
        subprocess.run(
            [self._runuser, "-u", "postgres", "--", str(self._bindir / program), *arguments],
            check=True,
            capture_output=True,
            text=True,
        )

    def psql(self, sql: str) -> None:
        where = ["-h", str(self.sockets), "-p", str(self.port), "-U", "postgres"]
        self._run("psql", *where, "-c", sql)

    def url(self, database: str = "postgres", port: int | None = None) -> str:
        """The SQLAlchemy URL (through ``port``, a proxy's, if given)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{port or self.port}/{database}"

    def start(self) -> None:
        # fsync off: a throwaway cluster, and the tests wait on it, not on the disk.
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        """Stop the server as a restart does: every session is cut off at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class LossyLine:
    """A TCP proxy between the app and a server that can lose the answer to one COMMIT.

    Armed with ``lose_next_commit_answer``, it forwards the next COMMIT to the
    server, waits for the server's answer (so the commit is applied), throws
    the answer away and cuts the line: the app's save was in flight when the
    connection dropped, and it cannot know that the server saved it.
    """

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._armed = threading.Event()
        self.answer_lost = threading.Event()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def lose_next_commit_answer(self) -> None:
        self.answer_lost.clear()
        self._armed.set()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(("127.0.0.1", self._upstream))
            self._open += [client, server]
            doomed = threading.Event()
            threading.Thread(target=self._up, args=(client, server, doomed), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, doomed), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, doomed: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while chunk := client.recv(65536):
                # psycopg sends COMMIT as a simple query message ('Q', length, text).
                if self._armed.is_set() and chunk.startswith(b"Q") and b"COMMIT" in chunk:
                    self._armed.clear()
                    doomed.set()
                server.sendall(chunk)
        self._cut(client, server)

    def _down(self, server: socket.socket, client: socket.socket, doomed: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while chunk := server.recv(65536):
                if doomed.is_set():  # the server's answer to the COMMIT: lost on the way
                    self.answer_lost.set()
                    break
                client.sendall(chunk)
        self._cut(client, server)

    @staticmethod
    def _cut(*ends: socket.socket) -> None:
        for end in ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self) -> None:
        self._listener.close()
        self._cut(*self._open)
