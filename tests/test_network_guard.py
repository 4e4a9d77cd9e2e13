"""The whole suite runs with the network blocked except loopback (pyproject.toml addopts:
pytest-recording's --block-network with loopback as the only allowed hosts): a test that
reached a real model server or any other host would fail instead of passing by luck."""
from __future__ import annotations

import socket

import pytest


def test_a_connection_off_this_machine_is_refused_before_it_is_made() -> None:
    with pytest.raises(RuntimeError, match="Network is disabled"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed


def test_loopback_stays_open_for_stand_in_servers() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            conn, _ = server.accept()
            conn.close()
