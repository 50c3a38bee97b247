"""Start the helpdesk: ``python run_bot.py`` does what the ``helpdesk`` command does."""

from bots.cli import main

if __name__ == "__main__":
    main()
