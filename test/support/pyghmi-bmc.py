#!/usr/bin/env python3
"""A minimal IPMI BMC built on pyghmi.ipmi.bmc, the library VirtualBMC is made of.

Power state lives in memory. Usage: pyghmi-bmc.py PORT USER PASSWORD [on|off]
Prints "ready" once listening on 127.0.0.1:PORT, and "power on|off" on every change.
It exits when its stdin closes, so it never outlives the test that started it.
"""
import sys
import threading

import pyghmi.ipmi.bmc as bmc


class MemoryBmc(bmc.Bmc):
    def __init__(self, authdata, port, powered):
        super().__init__(authdata, port=port, address='127.0.0.1')
        self.powerstate = powered

    def get_power_state(self):
        return self.powerstate

    def _set(self, state):
        self.powerstate = state
        print('power ' + state, flush=True)

    def power_off(self):
        self._set('off')

    def power_on(self):
        self._set('on')

    def power_shutdown(self):
        self._set('off')


def main():
    port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    powered = sys.argv[4] if len(sys.argv) > 4 else 'on'
    server = MemoryBmc({user: password}, port, powered)
    # EOF on stdin (the test ended or died) stops the process.
    threading.Thread(target=lambda: (sys.stdin.read(), sys.exit(0)), daemon=True).start()
    print('ready', flush=True)
    while True:
        server.listen(timeout=0.5)


if __name__ == '__main__':
    main()
