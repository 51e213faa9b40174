"""Stands in for a managed Python runtime's /var/runtime/bootstrap.py.

Like the real one it takes the handler from ``_HANDLER`` (so an exec wrapper can
change it) and hands over to awslambdaric's documented entry point.
"""

import os
import sys

from awslambdaric.__main__ import main

if __name__ == "__main__":
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()))
    main([sys.argv[0], os.environ["_HANDLER"]])
