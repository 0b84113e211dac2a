"""Service functions: they own the transactions; views and the CLI call them."""
