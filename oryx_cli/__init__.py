"""The ``oryx`` command (Oryx 2's oryx-run.sh): one entry point for every layer, the Kafka tools, the stack and
the demos.

This package sits above the three layers, the one package allowed to know them all; nothing imports it. It
still starts each layer by module name (``python -m oryx_assets`` etc.) in a process of its own, as a cluster
does. Every subcommand takes ``--conf FILE`` and ``-D key=value`` like Oryx 2.
"""
