"""The embedded default for a laptop or demo: debug on, everything local."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
