"""The Telegram side: python-telegram-bot handlers, keyboards and the Application."""

import os

# Opt in now to PTB's coming behaviour: durations (retry_after, timeouts) as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")
