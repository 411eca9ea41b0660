"""`python -m bot.cli`: the same command as `perevir` (the crash and start-up tests run it so)."""

from bot.cli import main

if __name__ == "__main__":  # not when a worker process imports the main module
    main()
