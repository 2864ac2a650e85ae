"""``talent`` CLI command groups, one module per area."""
from talent.cli_commands.seed import seed
from talent.cli_commands.tokens import tokens
from talent.cli_commands.users import users

__all__ = ["seed", "tokens", "users"]
