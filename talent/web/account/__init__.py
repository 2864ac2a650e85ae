"""The signed-in user's account pages: personal API tokens; for the administrator, service tokens."""
