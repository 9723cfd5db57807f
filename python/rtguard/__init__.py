from ._rtguard import *  # noqa
