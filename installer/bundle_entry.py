"""Entry script of the bundled program: the CLI, or `-m heritage_desk.X` for child processes.

Child processes are started as `[sys.executable, "-m", "heritage_desk.services.retrain_child",
...]` (services/retrain.py). In a bundle sys.executable is the heritage-desk program, whose CLI
would read "-m" as an option of the default `gui` verb, so for modules of this app only the
program runs the module as __main__, the way `python -m` does. This runs after PyInstaller's
runtime hooks (Qt plugin paths, inspect, pkgutil), which a runtime hook of our own would not.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a no-op unless something starts spawn-mode workers
    if len(sys.argv) >= 3 and sys.argv[1] == "-m" and sys.argv[2].startswith("heritage_desk."):
        import runpy

        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        sys.exit(0)  # the module returned without sys.exit: success, as with `python -m`

    from heritage_desk.cli import main

    sys.exit(main())
