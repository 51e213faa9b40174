"""``python -m gate``: the operator CLI. click and rich load only here, never on the Lambda path."""

from __future__ import annotations


def main() -> None:
    from gate.cli.main import cli

    cli.main(prog_name="python -m gate")


if __name__ == "__main__":
    main()
