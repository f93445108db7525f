"""PyInstaller runtime hook: let the frozen program stand in for `python -m heritage_desk.X`.

Child processes are started as `[sys.executable, "-m", "heritage_desk.services.retrain_child",
...]` (services/retrain.py). In a bundle sys.executable is the heritage-desk program, whose CLI
would read "-m" as an option of the default `gui` verb. This hook runs before the CLI and, for
modules of this app only, runs the module as __main__ the way the interpreter would.
"""

import sys

if len(sys.argv) >= 3 and sys.argv[1] == "-m" and sys.argv[2].startswith("heritage_desk."):
    import runpy

    _module = sys.argv[2]
    sys.argv = [sys.argv[0], *sys.argv[3:]]
    runpy.run_module(_module, run_name="__main__", alter_sys=True)
    sys.exit(0)  # a module whose main returned without sys.exit: success, as `python -m` does
