#!/usr/bin/python3
"""Run an unmodified fence agent (fence_compute, fence_evacuate) on Python 3.11.

fence-agents 4.12.1 calls inspect.getargspec(), which Python 3.11 removed; the agents crash
before they talk to Nova. This shim restores the name (as getfullargspec) and runs the agent
from /usr/sbin as __main__. Nothing on disk is patched.
Usage: fence-py311.py /usr/sbin/fence_compute [agent options...]
"""
import inspect
import runpy
import sys

if not hasattr(inspect, "getargspec"):
    inspect.getargspec = inspect.getfullargspec
agent = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(agent, run_name="__main__")
