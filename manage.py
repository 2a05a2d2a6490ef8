#!/usr/bin/env python
"""Django's command-line utility; the installed `kokuchi` script is the same thing."""

from kokuchi.cli import main

if __name__ == "__main__":
    main()
