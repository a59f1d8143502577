"""``python -m gis users add|list|remove|passwd|role``: the accounts that may log in when the app is on the network.

A password is asked twice on the terminal (never echoed); ``--password-stdin`` reads one line from standard
input instead, for scripts. Changes are recorded as made by the user of this machine (``local:<OS user>``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from gis.core.errors import GisError

NAME = "users"
HELP = "Accounts for the app on the network: add, list, remove, change password or role."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from gis.store.accounts import ROLES

    sub = parser.add_subparsers(dest="users_action", required=True)
    add = sub.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    listing = sub.add_parser("list", help="list the accounts")
    listing.add_argument("--json", action="store_true")
    remove = sub.add_parser("remove", help="remove an account (never the last administrator)")
    remove.add_argument("name")
    passwd = sub.add_parser("passwd", help="set a new password (ends the account's sessions)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    role = sub.add_parser("role", help="change an account's role (never demote the last administrator)")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)


class PasswordInputError(GisError):
    """The password could not be read, or the two entries differ."""


def read_password(*, from_stdin: bool) -> str:
    """The new password: one line of stdin, or asked twice on the terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise PasswordInputError(
            "Không có bàn phím để hỏi mật khẩu: hãy chạy lệnh trong cửa sổ dòng lệnh, hoặc thêm --password-stdin và "
            "đưa mật khẩu vào một dòng đầu vào chuẩn.",
            "No terminal to ask the password on: run the command in a terminal, or add --password-stdin and give "
            "the password as one line of standard input.",
        )
    first = getpass.getpass("Mật khẩu / Password: ")
    second = getpass.getpass("Nhập lại / Again: ")
    if first != second:
        raise PasswordInputError("Hai lần nhập mật khẩu không khớp: chưa thay đổi gì. Hãy chạy lại lệnh.",
                                 "The two passwords differ: nothing changed. Run the command again.")
    return first


def run(args: argparse.Namespace) -> int:
    from gis.store.accounts import Accounts, local_user

    store = Accounts.open()
    by = local_user().name
    vi = args.lang == "vi"
    action = args.users_action
    if action == "list":
        users = store.users()
        if args.json:
            print(json.dumps([{"name": u.name, "role": u.role} for u in users], ensure_ascii=False, indent=2))
            return 0
        if not users:
            print("Chưa có tài khoản nào." if vi else "No accounts yet.")
        for u in users:
            print(f"{u.name:<32} {u.role_label(args.lang)}")
        return 0
    if action == "add":
        password = read_password(from_stdin=args.password_stdin)
        user = store.add(args.name, password, role=args.role, by=by)
        print(f"Đã tạo tài khoản «{user.name}» ({user.role_label('vi')})." if vi
              else f"Account '{user.name}' created ({user.role_label('en')}).")
    elif action == "remove":
        store.remove(args.name, by=by)
        print(f"Đã xóa tài khoản «{args.name}»." if vi else f"Account '{args.name}' removed.")
    elif action == "passwd":
        password = read_password(from_stdin=args.password_stdin)
        store.set_password(args.name, password, by=by)
        print(f"Đã đổi mật khẩu của «{args.name}»; các phiên đăng nhập cũ đã kết thúc." if vi
              else f"Password of '{args.name}' changed; its sessions were ended.")
    elif action == "role":
        store.set_role(args.name, args.role, by=by)
        print(f"«{args.name}» giờ có vai trò {args.role}." if vi else f"'{args.name}' now has role {args.role}.")
    return 0
