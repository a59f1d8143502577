"""``python -m gis serve [--network] [--port N]``: start the app, on this machine only unless ``--network``.

Without ``--network`` the server listens on 127.0.0.1: only this machine reaches it, and no login is asked.
With ``--network`` it listens on every interface (0.0.0.0), so anyone on the commune's LAN reaches the login
page; every visitor must log in (the app asks whenever the server is not bound to loopback). It is refused
while no administrator account exists, so network access can never be on without accounts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import resources
from pathlib import Path

NAME = "serve"
HELP = "Start the app (this machine only; --network opens it to the LAN, with a login)."
LOCAL_ADDRESS = "127.0.0.1"
NETWORK_ADDRESS = "0.0.0.0"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network", action="store_true",
                        help="listen on every interface so the LAN can reach the app (login required)")
    parser.add_argument("--port", type=int, default=8501, help="TCP port (default 8501)")


def app_script() -> Path:
    """The app's ``serve.py``: at the repository root in a checkout, in the package ``gis_app`` when installed.

    Beside it are ``app.py`` and ``.streamlit/config.toml`` (read by Streamlit as the script's own settings).
    """
    from gis.core.paths import CHECKOUT, PACKAGES_DIR

    if CHECKOUT:
        return PACKAGES_DIR / "serve.py"
    return Path(str(resources.files("gis_app").joinpath("serve.py")))


def command(*, network: bool, port: int) -> list[str]:
    """The ``streamlit run`` command line for these options (run from the folder of :func:`app_script`)."""
    address = NETWORK_ADDRESS if network else LOCAL_ADDRESS
    return [sys.executable, "-m", "streamlit", "run", str(app_script()), "--server.address", address,
            "--server.port", str(port), "--server.headless", "true"]


def run(args: argparse.Namespace) -> int:
    from gis.store.accounts import AccountError, Accounts, accounts_path

    if not 1024 <= args.port <= 65535:
        raise AccountError(f"Cổng {args.port} không dùng được: chọn một số từ 1024 đến 65535.",
                           f"Port {args.port} cannot be used: choose a number from 1024 to 65535.")
    vi = args.lang == "vi"
    if args.network:
        if not Accounts.open().has_admin():
            raise AccountError(
                f"Chưa có tài khoản quản trị trong «{accounts_path()}»: không mở ra mạng khi chưa có đăng nhập. "
                "Hãy tạo trước: python -m gis users add TEN --role admin",
                f"There is no administrator account in '{accounts_path()}': the app is not opened to the network "
                "without logins. Create one first: python -m gis users add NAME --role admin",
            )
        print(f"Mở ứng dụng cho mạng nội bộ ở cổng {args.port}: mọi máy trong mạng thấy trang đăng nhập. Không có "
              "HTTPS: chỉ dùng trong mạng nội bộ của xã, không bao giờ mở ra Internet." if vi else
              f"Opening the app to the local network on port {args.port}: every machine on the LAN sees the login "
              "page. There is no HTTPS: use it on the commune's LAN only, never on the Internet.", flush=True)
    else:
        print(f"Ứng dụng chỉ mở trên máy này: http://{LOCAL_ADDRESS}:{args.port}" if vi
              else f"The app is open on this machine only: http://{LOCAL_ADDRESS}:{args.port}", flush=True)
    try:
        return subprocess.call(command(network=args.network, port=args.port), cwd=app_script().parent)
    except KeyboardInterrupt:
        return 0
